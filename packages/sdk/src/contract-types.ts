/**
 * The one place where the SDK touches @vidforge/contract, and only for types: the SDK ships no
 * runtime dependency. The build (scripts/build.ts) replaces this file's declarations in dist with
 * the same types printed out structurally, so the published package needs neither the contract
 * package nor zod.
 */
export type {
  ApiErrorCode,
  AspectRatio,
  ErrorBody,
  ErrorDetail,
  ExtendRequestInput,
  GenerateRequestInput,
  SubmitResponse,
  Task,
  TaskError,
  TaskErrorCode,
  TaskList,
  TaskStatus,
  TaskType,
  UploadKind,
  UploadResponse,
  UpscaleRequestInput,
  VideoInfo,
} from '@vidforge/contract';
