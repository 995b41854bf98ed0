/** The runner protocol's operations under `/v1/runner` (docs/runner-protocol.md). */
import { z } from 'zod';
import type { ApiErrorCode } from '../errors.ts';
import {
  LEASE_TOKEN_HEADER,
  RUNNER_BASE_PATH,
  RUNNER_PROTOCOL_VERSION,
  RunnerAbortRequest,
  RunnerClaimRequest,
  RunnerClaimResponse,
  RunnerFailRequest,
  RunnerHeartbeatRequest,
  RunnerHeartbeatResponse,
  RunnerSettleResponse,
  RunnerUploadResponse,
} from '../runner.ts';
import { apiErrors, BINARY, headerText, jsonBody, type Operation, ok, operation } from './operation.ts';
import { SignedUrlQuery, TaskId } from './seed.ts';

const ERRORS: ApiErrorCode[] = ['UNAUTHORIZED', 'INTERNAL_ERROR', 'SERVICE_UNAVAILABLE'];
const taskParams = z.object({ taskId: TaskId });
const leaseHeaders = z.object({
  [LEASE_TOKEN_HEADER]: headerText('The leaseToken of the claim; a stale one gets 409 LEASE_LOST', 200),
});

/** One call about a claimed task: runner token, lease token, and LEASE_LOST when the lease is gone. */
const taskCall = <const Id extends string, const Action extends string>(
  id: Id,
  action: Action,
  summary: string,
  init: Pick<Operation, 'body'> & { response: z.ZodType; errors: ApiErrorCode[]; method?: 'POST' | 'PUT' },
) =>
  operation({
    id,
    method: init.method ?? 'POST',
    path: `${RUNNER_BASE_PATH}/tasks/{taskId}/${action}` as `/v1/runner/tasks/{taskId}/${Action}`,
    surface: 'runner',
    summary,
    security: 'runnerToken',
    params: taskParams,
    headers: leaseHeaders,
    ...(init.body ? { body: init.body } : {}),
    responses: {
      ...ok('Done', init.response),
      ...apiErrors(...ERRORS, 'TASK_NOT_FOUND', 'LEASE_LOST', ...init.errors),
    },
  });

export const runnerClaim = operation({
  id: 'runnerClaim',
  method: 'POST',
  path: `${RUNNER_BASE_PATH}/claim`,
  surface: 'runner',
  summary: 'Long-poll for a task; the answer carries the protocol version, and the task with its lease token',
  description: `The answer's protocolVersion is the version of this protocol the server speaks (${RUNNER_PROTOCOL_VERSION}): a runner that speaks another stops instead of working against it.`,
  security: 'runnerToken',
  body: jsonBody(RunnerClaimRequest, false),
  responses: {
    ...ok('A task, or {"task": null} after waitMs', RunnerClaimResponse),
    ...apiErrors(...ERRORS, 'INVALID_PARAMETER', 'FORBIDDEN', 'RUNNER_AT_CAPACITY'),
  },
});

export const runnerHeartbeat = taskCall(
  'runnerHeartbeat',
  'heartbeat',
  'Report progress and stage; extends the lease and says whether the task was cancelled',
  { body: jsonBody(RunnerHeartbeatRequest), response: RunnerHeartbeatResponse, errors: ['INVALID_PARAMETER'] },
);

export const runnerUploadOutput = taskCall(
  'runnerUploadOutput',
  'output',
  'Upload the result (streamed MP4; size-limited, then probed)',
  {
    method: 'PUT',
    body: { required: true, content: { 'video/mp4': BINARY } },
    response: RunnerUploadResponse,
    errors: ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'OUTPUT_INVALID'],
  },
);

export const runnerUploaded = taskCall(
  'runnerUploaded',
  'uploaded',
  "Say the result is at the claim's presigned PUT URL: the server checks it like an upload; a bad object fails the attempt and is deleted",
  { response: RunnerUploadResponse, errors: ['OUTPUT_MISSING', 'PAYLOAD_TOO_LARGE', 'OUTPUT_INVALID'] },
);

export const runnerComplete = taskCall(
  'runnerComplete',
  'complete',
  'Commit the uploaded result: the task becomes SUCCESS',
  { response: RunnerSettleResponse, errors: ['OUTPUT_MISSING'] },
);

export const runnerFail = taskCall(
  'runnerFail',
  'fail',
  "Report a failure; the server's retry policy decides between PENDING and FAIL",
  { body: jsonBody(RunnerFailRequest), response: RunnerSettleResponse, errors: ['INVALID_PARAMETER'] },
);

export const runnerAbort = taskCall(
  'runnerAbort',
  'abort',
  'Give the task back (graceful shutdown); the attempt does not count',
  { body: jsonBody(RunnerAbortRequest, false), response: RunnerSettleResponse, errors: ['INVALID_PARAMETER'] },
);

export const runnerSource = operation({
  id: 'runnerSource',
  method: 'GET',
  path: `${RUNNER_BASE_PATH}/sources/{taskId}`,
  surface: 'runner',
  summary: "Download a claimed task's source through the signed URL of the claim (no token)",
  security: null,
  params: taskParams,
  query: SignedUrlQuery,
  responses: {
    '200': { description: 'The source bytes', content: { '*/*': BINARY } },
    ...apiErrors('MEDIA_URL_INVALID', 'NOT_FOUND'),
  },
});

export const RUNNER_OPERATIONS = [
  runnerClaim,
  runnerHeartbeat,
  runnerUploadOutput,
  runnerUploaded,
  runnerComplete,
  runnerFail,
  runnerAbort,
  runnerSource,
] as const;
