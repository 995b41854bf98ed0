/**
 * An operation is one route of the HTTP API, written once: its method and path, its parameters,
 * body and answers as contract schemas. The server registers its Fastify routes from these (the
 * URL comes from `path`, the handler parses with these schemas), and the OpenAPI document is
 * generated from the same list, so a path or a schema is never written twice.
 */
import { z } from 'zod';
import { API_ERROR_STATUS, type ApiErrorCode, ErrorBody } from '../errors.ts';
import { OpenAiErrorBody } from '../openai.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Bytes of any kind (an upload, a download): `type: string, format: binary` in the document. */
export const BINARY = { kind: 'binary' } as const;
/** A text stream such as Server-Sent Events, with an example of what it carries. */
export const textStream = (example: string) => ({ kind: 'text', example }) as const;
/**
 * A multipart/form-data body: the fields of a registered JSON body schema as text fields, and
 * `file` as a file part instead of that schema's field of the same name (if any).
 */
export const form = (schema: z.ZodType, file: string) => ({ kind: 'form', schema, file }) as const;

export type Content = z.ZodType | typeof BINARY | ReturnType<typeof textStream> | ReturnType<typeof form>;

export interface OperationResponse {
  description: string;
  /** By media type; absent: no body (204, or a status documented by its headers). */
  content?: Record<string, Content>;
}

export type Surface = 'seed' | 'uploads' | 'media' | 'runner' | 'openai';

export interface Operation {
  /** OpenAPI operationId; unique. */
  id: string;
  method: HttpMethod;
  /** The full path, OpenAPI template syntax: `/v1/ai/{endpointPath}/video/tasks/{taskId}`. */
  path: string;
  surface: Surface;
  summary: string;
  description?: string;
  /** How a caller authenticates: an access key, a runner token, or nothing (a signed URL). */
  security: 'accessKey' | 'runnerToken' | null;
  /** Path parameters, one property per `{name}` in `path`. */
  params?: z.ZodObject;
  /** Query parameters: documented one by one from the object's properties. */
  query?: z.ZodObject;
  /** Request headers the operation reads (names as they are written on the wire). */
  headers?: z.ZodObject;
  body?: { required: boolean; content: Record<string, Content> };
  /** By status code. */
  responses: Record<string, OperationResponse>;
}

export function operation<const T extends Operation>(op: T): T {
  const named = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const declared = Object.keys(op.params?.shape ?? {});
  if (named.join() !== declared.join()) {
    throw new Error(`${op.id}: path parameters ${named.join()} but params declares ${declared.join()}`);
  }
  return op;
}

const json = (schema: z.ZodType) => ({ 'application/json': schema });

/** The seed API's errors, grouped by status, every one in the `Error` shape. */
export function apiErrors(...codes: ApiErrorCode[]): Record<string, OperationResponse> {
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = API_ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [String(status), { description: list.join(', '), content: json(ErrorBody) }]),
  );
}

const OPENAI_ERRORS: Record<string, string> = {
  '400': 'invalid_request_error: a bad field (param names it), a size or length the model cannot make',
  '401': 'invalid_api_key',
  '404': 'video_not_found, or no such route',
  '409': 'video_not_completed (remix, extension or download of an unfinished video)',
  '410': 'video_expired: past retention',
  '413': 'a file or field over its limit, too many parts',
  '415': 'neither JSON nor multipart/form-data',
  '429': 'rate_limit_exceeded (with Retry-After)',
  '500': 'server_error',
  '503': 'service_unavailable, queue_full (with Retry-After)',
};

/** The OpenAI-compatible API's errors, in OpenAI's error shape. */
export function openAiErrors(...statuses: (keyof typeof OPENAI_ERRORS)[]): Record<string, OperationResponse> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: OPENAI_ERRORS[status] ?? status, content: json(OpenAiErrorBody) },
    ]),
  );
}

export const ok = (description: string, schema: z.ZodType): Record<string, OperationResponse> => ({
  '200': { description, content: json(schema) },
});

export const jsonBody = (schema: z.ZodType, required = true) => ({ required, content: json(schema) });

/** `{endpointPath}` → `:endpointPath`, relative to a Fastify scope's prefix. */
export function fastifyUrl(op: Pick<Operation, 'path' | 'id'>, prefix = ''): string {
  if (!op.path.startsWith(prefix)) throw new Error(`${op.id}: ${op.path} is not under ${prefix}`);
  return op.path.slice(prefix.length).replace(/\{([^}]+)\}/g, ':$1');
}

/** Header parameters are documented, not validated by zod: the handlers read them as before. */
export const headerText = (description: string, max = 255) => z.string().min(1).max(max).describe(description);
