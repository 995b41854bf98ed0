/**
 * The seed API under `/v1/ai/{endpointPath}` (CONTRACT.md Parts A–C): submit, poll, cancel, list,
 * live progress, uploads; and the signed media URLs under `/v1/media` that a finished task's
 * `mediaUrl` points to.
 */
import { z } from 'zod';
import type { ApiErrorCode } from '../errors.ts';
import { ExtendRequest, GenerateRequest, UpscaleRequest } from '../requests.ts';
import { ENDPOINT_PATH_PATTERN, ListTasksQuery, SubmitResponse, TASK_ID_PATTERN, Task, TaskList } from '../task.ts';
import { UPLOAD_CONTENT_TYPES, UploadResponse } from '../uploads.ts';
import { apiErrors, BINARY, headerText, jsonBody, ok, operation, textStream } from './operation.ts';

export const API_PREFIX = '/v1/ai';
export const MEDIA_PREFIX = '/v1/media';

export const EndpointPath = z
  .string()
  .regex(ENDPOINT_PATH_PATTERN)
  .describe('The random path segment issued for a deployment');
export const TaskId = z.string().regex(TASK_ID_PATTERN);

const endpointParams = z.object({ endpointPath: EndpointPath });
const taskParams = z.object({ endpointPath: EndpointPath, taskId: TaskId });
const idempotencyHeaders = z.object({
  'Idempotency-Key': headerText(
    'The same key with the same body returns the same taskId for 24 h; with another body, 409 IDEMPOTENCY_CONFLICT',
  ).optional(),
});

const COMMON: ApiErrorCode[] = [
  'UNAUTHORIZED',
  'ENDPOINT_NOT_FOUND',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
];
const SUBMIT: ApiErrorCode[] = [
  ...COMMON,
  'INVALID_REQUEST',
  'INVALID_PARAMETER',
  'IDEMPOTENCY_CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'CONCURRENCY_LIMITED',
  'QUEUE_FULL',
];

const submit = <const Id extends string, const Type extends string>(
  id: Id,
  type: Type,
  summary: string,
  body: z.ZodType,
) =>
  operation({
    id,
    method: 'POST',
    path: `${API_PREFIX}/{endpointPath}/video/${type}` as `/v1/ai/{endpointPath}/video/${Type}`,
    surface: 'seed',
    summary,
    security: 'accessKey',
    params: endpointParams,
    headers: idempotencyHeaders,
    body: jsonBody(body),
    responses: { ...ok('The task was accepted', SubmitResponse), ...apiErrors(...SUBMIT) },
  });

export const submitGenerate = submit(
  'submitGenerate',
  'generate',
  'Generate a video from a prompt and an optional image',
  GenerateRequest,
);
export const submitUpscale = submit('submitUpscale', 'upscale', 'Upscale a video 2x', UpscaleRequest);
export const submitExtend = submit('submitExtend', 'extend', 'Extend a video by 2 or 4 seconds', ExtendRequest);

export const listTasks = operation({
  id: 'listTasks',
  method: 'GET',
  path: `${API_PREFIX}/{endpointPath}/video/tasks`,
  surface: 'seed',
  summary: 'List the tasks of this endpoint, newest first',
  security: 'accessKey',
  params: endpointParams,
  query: ListTasksQuery,
  responses: { ...ok('A page of tasks', TaskList), ...apiErrors(...COMMON, 'INVALID_PARAMETER') },
});

export const getTask = operation({
  id: 'getTask',
  method: 'GET',
  path: `${API_PREFIX}/{endpointPath}/video/tasks/{taskId}`,
  surface: 'seed',
  summary: 'Query a task',
  security: 'accessKey',
  params: taskParams,
  responses: { ...ok('The task', Task), ...apiErrors(...COMMON, 'TASK_NOT_FOUND') },
});

export const cancelTask = operation({
  id: 'cancelTask',
  method: 'DELETE',
  path: `${API_PREFIX}/{endpointPath}/video/tasks/{taskId}`,
  surface: 'seed',
  summary: 'Cancel a PENDING or IN_PROGRESS task; it ends as FAIL with code CANCELLED',
  security: 'accessKey',
  params: taskParams,
  responses: { ...ok('The cancelled task', Task), ...apiErrors(...COMMON, 'TASK_NOT_FOUND', 'TASK_NOT_CANCELLABLE') },
});

export const taskEvents = operation({
  id: 'taskEvents',
  method: 'GET',
  path: `${API_PREFIX}/{endpointPath}/video/tasks/{taskId}/events`,
  surface: 'seed',
  summary: 'Live progress of a task as Server-Sent Events (addition; the hosted original has no such route)',
  description:
    "Same auth, visibility and 404 as the poll, and one request of the poll budget per stream. Events: `task` (a status or progress change; `id` is the task revision, data is the task as the poll shows it), `queue` (a PENDING task's place in line changed; no id), and `done` (the final task; then the stream ends). Comment lines are heartbeats. Send `Last-Event-ID` to resume: nothing already seen is sent again, the current state only if it moved. A finished task whose final event the client has answers 204.",
  security: 'accessKey',
  params: taskParams,
  headers: z.object({
    'Last-Event-ID': z
      .string()
      .regex(/^[0-9]{1,15}$/)
      .optional()
      .describe('The id of the last event received, to resume'),
  }),
  responses: {
    '200': {
      description: 'The event stream, until the task ends',
      content: {
        'text/event-stream': textStream(
          'retry: 2000\n\nid: 3\nevent: task\ndata: {"taskId":"…","status":"IN_PROGRESS","progress":0.25,…}\n\n',
        ),
      },
    },
    '204': { description: 'The task has ended and the client already has its final event' },
    ...apiErrors(...COMMON, 'TASK_NOT_FOUND', 'TOO_MANY_STREAMS', 'STREAMS_FULL'),
  },
});

/** Part C: a local file becomes a URL for config.sourceImage / config.sourceVideo. */
export const uploadFile = operation({
  id: 'uploadFile',
  method: 'POST',
  path: `${API_PREFIX}/{endpointPath}/uploads`,
  surface: 'uploads',
  summary:
    "Upload one image or video (the raw bytes as the body); the answer's url is accepted as config.sourceImage or config.sourceVideo",
  description:
    'The type is decided by the bytes (JPEG, PNG, WebP; MP4, MOV, WebM, Matroska), never by Content-Type. Images are limited by the image size limit, videos by the video limit, and both are probed before the answer. The file is kept for the result retention (7 days by default): expiresAt.',
  security: 'accessKey',
  params: endpointParams,
  body: {
    required: true,
    content: Object.fromEntries([...UPLOAD_CONTENT_TYPES, 'application/octet-stream'].map((type) => [type, BINARY])),
  },
  responses: {
    ...ok('The file was checked and stored', UploadResponse),
    ...apiErrors(...COMMON, 'INVALID_REQUEST', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'REQUEST_TIMEOUT'),
  },
});

/** The query of a signed URL (media and runner sources): checked by the signer, documented here. */
export const SignedUrlQuery = z.object({
  exp: z.string().describe('Expiry, epoch ms'),
  kid: z.string().describe('Which signing key signed it'),
  sig: z.string().describe('HMAC-SHA256 of the task id and expiry, base64url'),
});

export const downloadMedia = operation({
  id: 'downloadMedia',
  method: 'GET',
  path: `${MEDIA_PREFIX}/{file}`,
  surface: 'media',
  summary: "Download a task's result through the signed URL of its mediaUrl (no key: the signature is the credential)",
  description:
    'Range requests are answered 206 (with If-Range). An expired URL is 403 MEDIA_URL_INVALID: query the task for a fresh one. A result past its retention is 410 MEDIA_GONE. With S3 results, mediaUrl is a presigned URL of the object store instead, and this route is not used.',
  security: null,
  params: z.object({
    file: z
      .string()
      .regex(new RegExp(`^${TASK_ID_PATTERN.source.slice(1, -1)}\\.mp4$`))
      .describe('{taskId}.mp4'),
  }),
  query: SignedUrlQuery,
  headers: z.object({
    Range: z.string().optional().describe('One byte range, e.g. bytes=0-1023'),
    'If-Range': z.string().optional().describe('The ETag of the partial copy the client has'),
  }),
  responses: {
    '200': { description: 'The video', content: { 'video/mp4': BINARY } },
    '206': { description: 'The requested range of the video', content: { 'video/mp4': BINARY } },
    ...apiErrors('MEDIA_URL_INVALID', 'NOT_FOUND', 'MEDIA_GONE', 'RANGE_NOT_SATISFIABLE'),
  },
});

export const SEED_OPERATIONS = [
  submitGenerate,
  submitUpscale,
  submitExtend,
  listTasks,
  getTask,
  cancelTask,
  taskEvents,
  uploadFile,
  downloadMedia,
] as const;
