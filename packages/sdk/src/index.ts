/**
 * @vidforge/sdk: a dependency-free TypeScript client for the Vidforge video API (and the hosted
 * API it implements). File downloads on Node live in `@vidforge/sdk/node`.
 */
export { Vidforge } from './client.ts';
export type * from './contract-types.ts';
export {
  APIError,
  type APIErrorInit,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  InvalidRequestError,
  MediaUnavailableError,
  NotFoundError,
  RateLimitError,
  ServerError,
  TaskFailedError,
  TimeoutError,
} from './errors.ts';
export { TaskListing } from './list.ts';
export type { DownloadResult, MediaStream } from './media.ts';
export type {
  ListTasksParams,
  RequestOptions,
  SubmitAndWaitOptions,
  SubmitOptions,
  VidforgeOptions,
  WaitOptions,
} from './options.ts';
export { noRunnerWarning, ordinal, queuePlace } from './queue-text.ts';
export type { UploadSource } from './upload.ts';
