/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate requests.
 * `write.ts` commits it under `openapi/` and fails `npm test` when the committed copy drifts.
 */
import { z } from 'zod';
import { API_ERROR_STATUS, ErrorBody } from '../errors.ts';
import {
  OpenAiContentQuery,
  OpenAiCreateVideoRequest,
  OpenAiErrorBody,
  OpenAiExtendVideoRequest,
  OpenAiListVideosQuery,
  OpenAiModelList,
  OpenAiRemixVideoRequest,
  OpenAiVideo,
  OpenAiVideoDeleted,
  OpenAiVideoList,
} from '../openai.ts';
import { ExtendRequest, GenerateRequest, UpscaleRequest } from '../requests.ts';
import {
  LEASE_TOKEN_HEADER,
  RUNNER_BASE_PATH,
  RunnerAbortRequest,
  RunnerClaimRequest,
  RunnerClaimResponse,
  RunnerFailRequest,
  RunnerHeartbeatRequest,
  RunnerHeartbeatResponse,
  RunnerSettleResponse,
  RunnerUploadResponse,
} from '../runner.ts';
import { ListTasksQuery, SubmitResponse, Task, TaskList } from '../task.ts';
import { UPLOAD_CONTENT_TYPES, UploadResponse } from '../uploads.ts';
import { openAiPaths } from './openai-paths.ts';

type JsonObject = Record<string, unknown>;

const REQUEST_SCHEMAS = [
  GenerateRequest,
  UpscaleRequest,
  ExtendRequest,
  ListTasksQuery,
  RunnerClaimRequest,
  RunnerHeartbeatRequest,
  RunnerFailRequest,
  RunnerAbortRequest,
  OpenAiCreateVideoRequest,
  OpenAiRemixVideoRequest,
  OpenAiExtendVideoRequest,
  OpenAiListVideosQuery,
  OpenAiContentQuery,
];
const RESPONSE_SCHEMAS = [
  SubmitResponse,
  Task,
  TaskList,
  UploadResponse,
  ErrorBody,
  RunnerClaimResponse,
  RunnerHeartbeatResponse,
  RunnerUploadResponse,
  RunnerSettleResponse,
  OpenAiVideo,
  OpenAiVideoList,
  OpenAiVideoDeleted,
  OpenAiModelList,
  OpenAiErrorBody,
];

function componentSchemas(): Record<string, JsonObject> {
  const build = (schemas: z.ZodType[], io: 'input' | 'output') => {
    const registry = z.registry<{ id: string }>();
    for (const schema of schemas) {
      const id = z.globalRegistry.get(schema)?.id;
      if (typeof id === 'string') registry.add(schema, { id });
    }
    return z.toJSONSchema(registry, {
      target: 'draft-2020-12',
      io,
      uri: (id) => `#/components/schemas/${id}`,
    }).schemas as Record<string, JsonObject>;
  };
  const all: Record<string, JsonObject> = {};
  for (const built of [build(RESPONSE_SCHEMAS, 'output'), build(REQUEST_SCHEMAS, 'input')]) {
    // zod puts schemas that several registered ones share under `__shared.$defs` and points at them
    // with `…/__shared#/$defs/X`, which is no reference an OpenAPI tool can follow: every named
    // schema becomes a component of its own, and the references point there. A request schema
    // (input form) wins over its output form, as the request side is what clients must satisfy.
    const { __shared, ...named } = built;
    const shared = ((__shared as { $defs?: Record<string, JsonObject> } | undefined)?.$defs ?? {}) as Record<
      string,
      JsonObject
    >;
    for (const [id, schema] of Object.entries({ ...shared, ...named })) all[id] = schema;
  }
  for (const schema of Object.values(all)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return rewriteSharedRefs(all) as Record<string, JsonObject>;
}

function rewriteSharedRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteSharedRefs);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string'
        ? inner.replace(/^#\/components\/schemas\/__shared#\/\$defs\//, '#/components/schemas/')
        : rewriteSharedRefs(inner),
    ]),
  );
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string) => ({ 'application/json': { schema: ref(id) } });

const errorResponses = (...codes: (keyof typeof API_ERROR_STATUS)[]) => {
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = API_ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [String(status), { description: list.join(', '), content: json('Error') }]),
  );
};

const COMMON_ERRORS = ['UNAUTHORIZED', 'ENDPOINT_NOT_FOUND', 'INTERNAL_ERROR', 'SERVICE_UNAVAILABLE'] as const;
const SUBMIT_ERRORS = [
  ...COMMON_ERRORS,
  'INVALID_REQUEST',
  'INVALID_PARAMETER',
  'IDEMPOTENCY_CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
] as const;

const endpointPathParam = {
  name: 'endpointPath',
  in: 'path',
  required: true,
  description: 'The random path segment issued for a deployment',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{4,64}$' },
};
const taskIdParam = {
  name: 'taskId',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{16,64}$' },
};
const idempotencyKeyParam = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'The same key with the same body returns the same taskId for 24 h; with another body, 409 IDEMPOTENCY_CONFLICT',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

function submit(summary: string, body: string) {
  return {
    post: {
      summary,
      security: [{ bearer: [] }],
      parameters: [endpointPathParam, idempotencyKeyParam],
      requestBody: { required: true, content: json(body) },
      responses: {
        '200': { description: 'The task was accepted', content: json('SubmitResponse') },
        ...errorResponses(...SUBMIT_ERRORS),
      },
    },
  };
}

/** Part C: a local file becomes a URL for config.sourceImage / config.sourceVideo. */
function uploadPath() {
  const binary = { schema: { type: 'string', format: 'binary' } };
  return {
    post: {
      summary:
        "Upload one image or video (the raw bytes as the body); the answer's url is accepted as config.sourceImage or config.sourceVideo",
      description:
        'The type is decided by the bytes (JPEG, PNG, WebP; MP4, MOV, WebM, Matroska), never by Content-Type. Images are limited by the image size limit, videos by the video limit, and both are probed before the answer. The file is kept for the result retention (7 days by default): expiresAt.',
      security: [{ bearer: [] }],
      parameters: [endpointPathParam],
      requestBody: {
        required: true,
        content: Object.fromEntries([...UPLOAD_CONTENT_TYPES, 'application/octet-stream'].map((t) => [t, binary])),
      },
      responses: {
        '200': { description: 'The file was checked and stored', content: json('UploadResponse') },
        ...errorResponses(
          ...COMMON_ERRORS,
          'INVALID_REQUEST',
          'PAYLOAD_TOO_LARGE',
          'UNSUPPORTED_MEDIA_TYPE',
          'REQUEST_TIMEOUT',
        ),
      },
    },
  };
}

const runnerServers = [{ url: RUNNER_BASE_PATH, description: 'Runner protocol v1 (docs/runner-protocol.md)' }];
const RUNNER_ERRORS = ['UNAUTHORIZED', 'INTERNAL_ERROR', 'SERVICE_UNAVAILABLE'] as const;
const leaseTokenParam = {
  name: LEASE_TOKEN_HEADER,
  in: 'header',
  required: true,
  description: 'The leaseToken of the claim; a stale one gets 409 LEASE_LOST',
  schema: { type: 'string' },
};

/** One call about a claimed task: runner token, lease token, and LEASE_LOST when the lease is gone. */
function runnerTaskCall(
  summary: string,
  body: JsonObject | null,
  response: string,
  ...errors: (keyof typeof API_ERROR_STATUS)[]
) {
  return {
    servers: runnerServers,
    post: {
      summary,
      security: [{ runnerToken: [] }],
      parameters: [taskIdParam, leaseTokenParam],
      ...(body ? { requestBody: { required: false, content: body } } : {}),
      responses: {
        '200': { description: 'Done', content: json(response) },
        ...errorResponses(...RUNNER_ERRORS, 'TASK_NOT_FOUND', 'LEASE_LOST', ...errors),
      },
    },
  };
}

function runnerPaths(): Record<string, JsonObject> {
  const upload = runnerTaskCall(
    'Upload the result (streamed MP4; size-limited, then probed)',
    { 'video/mp4': { schema: { type: 'string', format: 'binary' } } },
    'RunnerUploadResponse',
    'PAYLOAD_TOO_LARGE',
    'UNSUPPORTED_MEDIA_TYPE',
    'OUTPUT_INVALID',
  );
  return {
    '/claim': {
      servers: runnerServers,
      post: {
        summary: 'Long-poll for a task; the answer carries its lease token, request and signed source URL',
        security: [{ runnerToken: [] }],
        requestBody: { required: false, content: json('RunnerClaimRequest') },
        responses: {
          '200': { description: 'A task, or {"task": null} after waitMs', content: json('RunnerClaimResponse') },
          ...errorResponses(...RUNNER_ERRORS, 'INVALID_PARAMETER', 'FORBIDDEN', 'RUNNER_AT_CAPACITY'),
        },
      },
    },
    '/tasks/{taskId}/heartbeat': runnerTaskCall(
      'Report progress and stage; extends the lease and says whether the task was cancelled',
      json('RunnerHeartbeatRequest'),
      'RunnerHeartbeatResponse',
      'INVALID_PARAMETER',
    ),
    '/tasks/{taskId}/output': { servers: runnerServers, put: upload.post },
    '/tasks/{taskId}/uploaded': runnerTaskCall(
      "Say the result is at the claim's presigned PUT URL: the server checks it like an upload; a bad object fails the attempt and is deleted",
      null,
      'RunnerUploadResponse',
      'OUTPUT_MISSING',
      'PAYLOAD_TOO_LARGE',
      'OUTPUT_INVALID',
    ),
    '/tasks/{taskId}/complete': runnerTaskCall(
      'Commit the uploaded result: the task becomes SUCCESS',
      null,
      'RunnerSettleResponse',
      'OUTPUT_MISSING',
    ),
    '/tasks/{taskId}/fail': runnerTaskCall(
      "Report a failure; the server's retry policy decides between PENDING and FAIL",
      json('RunnerFailRequest'),
      'RunnerSettleResponse',
      'INVALID_PARAMETER',
    ),
    '/tasks/{taskId}/abort': runnerTaskCall(
      'Give the task back (graceful shutdown); the attempt does not count',
      json('RunnerAbortRequest'),
      'RunnerSettleResponse',
    ),
    '/sources/{taskId}': {
      servers: runnerServers,
      get: {
        summary: "Download a claimed task's source through the signed URL of the claim (no token)",
        parameters: [
          taskIdParam,
          ...['exp', 'kid', 'sig'].map((name) => ({ name, in: 'query', required: true, schema: { type: 'string' } })),
        ],
        responses: {
          '200': {
            description: 'The source bytes',
            content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
          },
          ...errorResponses('MEDIA_URL_INVALID', 'NOT_FOUND'),
        },
      },
    },
  };
}

export function buildOpenApiDocument(): JsonObject {
  const components = componentSchemas();
  const listQuery = components.ListTasksQuery as { properties: Record<string, JsonObject> };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vidforge video API',
      version: '1.0.0',
      description:
        'Asynchronous video generation compatible with the MaaS Haiper Video API: submit a task, poll it, download the signed media URL. The same tasks are served in the shape of the OpenAI Videos API under /v1 (paths with their own server).',
    },
    servers: [{ url: '/v1/ai', description: 'basePath' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Access key' },
        runnerToken: { type: 'http', scheme: 'bearer', description: 'Runner token (vfr_…), never an access key' },
      },
      schemas: components,
    },
    paths: {
      '/{endpointPath}/video/generate': submit(
        'Generate a video from a prompt and an optional image',
        'GenerateRequest',
      ),
      '/{endpointPath}/video/upscale': submit('Upscale a video 2x', 'UpscaleRequest'),
      '/{endpointPath}/video/extend': submit('Extend a video by 2 or 4 seconds', 'ExtendRequest'),
      '/{endpointPath}/video/tasks': {
        get: {
          summary: 'List the tasks of this endpoint, newest first',
          security: [{ bearer: [] }],
          parameters: [
            endpointPathParam,
            ...Object.entries(listQuery.properties).map(([name, schema]) => ({
              name,
              in: 'query',
              required: false,
              schema,
            })),
          ],
          responses: {
            '200': { description: 'A page of tasks', content: json('TaskList') },
            ...errorResponses(...COMMON_ERRORS, 'INVALID_PARAMETER'),
          },
        },
      },
      '/{endpointPath}/video/tasks/{taskId}': {
        get: {
          summary: 'Query a task',
          security: [{ bearer: [] }],
          parameters: [endpointPathParam, taskIdParam],
          responses: {
            '200': { description: 'The task', content: json('Task') },
            ...errorResponses(...COMMON_ERRORS, 'TASK_NOT_FOUND'),
          },
        },
        delete: {
          summary: 'Cancel a PENDING or IN_PROGRESS task; it ends as FAIL with code CANCELLED',
          security: [{ bearer: [] }],
          parameters: [endpointPathParam, taskIdParam],
          responses: {
            '200': { description: 'The cancelled task', content: json('Task') },
            ...errorResponses(...COMMON_ERRORS, 'TASK_NOT_FOUND', 'TASK_NOT_CANCELLABLE'),
          },
        },
      },
      '/{endpointPath}/video/tasks/{taskId}/events': {
        get: {
          summary: 'Live progress of a task as Server-Sent Events (addition; the hosted original has no such route)',
          description:
            "Same auth, visibility and 404 as the poll, and one request of the poll budget per stream. Events: `task` (a status or progress change; `id` is the task revision, data is the task as the poll shows it), `queue` (a PENDING task's place in line changed; no id), and `done` (the final task; then the stream ends). Comment lines are heartbeats. Send `Last-Event-ID` to resume: nothing already seen is sent again, the current state only if it moved. A finished task whose final event the client has answers 204.",
          security: [{ bearer: [] }],
          parameters: [
            endpointPathParam,
            taskIdParam,
            {
              name: 'Last-Event-ID',
              in: 'header',
              required: false,
              description: 'The id of the last event received, to resume',
              schema: { type: 'string', pattern: '^[0-9]{1,15}$' },
            },
          ],
          responses: {
            '200': {
              description: 'The event stream, until the task ends',
              content: {
                'text/event-stream': {
                  schema: { type: 'string' },
                  example:
                    'retry: 2000\n\nid: 3\nevent: task\ndata: {"taskId":"…","status":"IN_PROGRESS","progress":0.25,…}\n\n',
                },
              },
            },
            '204': { description: 'The task has ended and the client already has its final event' },
            ...errorResponses(...COMMON_ERRORS, 'TASK_NOT_FOUND', 'RATE_LIMITED', 'TOO_MANY_STREAMS', 'STREAMS_FULL'),
          },
        },
      },
      '/{endpointPath}/uploads': uploadPath(),
      ...runnerPaths(),
      ...openAiPaths(components),
    },
  };
}
