/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate requests.
 * `write.ts` commits it under `openapi/` and fails `npm test` when the committed copy drifts.
 */
import { z } from 'zod';
import { API_ERROR_STATUS, ErrorBody } from '../errors.ts';
import { ExtendRequest, GenerateRequest, UpscaleRequest } from '../requests.ts';
import { ListTasksQuery, SubmitResponse, Task, TaskList } from '../task.ts';

type JsonObject = Record<string, unknown>;

const REQUEST_SCHEMAS = [GenerateRequest, UpscaleRequest, ExtendRequest, ListTasksQuery];
const RESPONSE_SCHEMAS = [SubmitResponse, Task, TaskList, ErrorBody];

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
  const all = { ...build(RESPONSE_SCHEMAS, 'output'), ...build(REQUEST_SCHEMAS, 'input') };
  for (const schema of Object.values(all)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return all;
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

export function buildOpenApiDocument(): JsonObject {
  const listQuery = componentSchemas().ListTasksQuery as { properties: Record<string, JsonObject> };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vidforge video API',
      version: '1.0.0',
      description:
        'Asynchronous video generation compatible with the MaaS Haiper Video API: submit a task, poll it, download the signed media URL.',
    },
    servers: [{ url: '/v1/ai', description: 'basePath' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Access key' } },
      schemas: componentSchemas(),
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
    },
  };
}
