export * from './errors.ts';
export * from './requests.ts';
export * from './task.ts';
export * from './validation.ts';
