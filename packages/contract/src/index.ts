export * from './errors.ts';
export * from './openai.ts';
export * from './requests.ts';
export * from './runner.ts';
export * from './task.ts';
export * from './uploads.ts';
export * from './validation.ts';
