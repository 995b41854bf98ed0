/**
 * The OpenAI-compatible Videos API under /v1 (docs/openai-api.md): `new OpenAI({ baseURL:
 * 'http://HOST:PORT/v1', apiKey })` works unchanged. Same Bearer access keys as the seed API.
 *
 * Everything here answers errors in OpenAI's shape. The /v1 scope's not-found handler also sees
 * the seed API's unknown /v1/... paths (Fastify routes 404s by prefix), which keep their own shape.
 */
import multipart from '@fastify/multipart';
import {
  createVideo,
  deleteVideo,
  downloadVideoContent,
  extendVideo,
  listModels,
  listVideos,
  OPENAI_BASE_PATH,
  OpenAiContentQuery,
  OpenAiCreateVideoRequest,
  OpenAiExtendVideoRequest,
  OpenAiListVideosQuery,
  OpenAiRemixVideoRequest,
  parseWith,
  remixVideo,
  retrieveVideo,
  summarize,
} from '@vidforge/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ApiError } from '../../http/api-error.ts';
import { sendError } from '../../http/error-handler.ts';
import { routeOperation } from '../../http/operation-route.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { bucketOf, type RateLimiter } from '../limits/rate-limiter.ts';
import type { MediaConfig } from '../media/media.config.ts';
import { maxBytesOf, type Uploads } from '../uploads/uploads.ts';
import { dataUrlBody, readFormBody } from './form-body.ts';
import type { KeyAccess, OpenAiService } from './openai.service.ts';
import { invalidParam, OpenAiError, sendOpenAiError, toOpenAiError } from './openai-errors.ts';
import { sendVideoContent, type VideoContentDeps } from './video-content.ts';

export interface OpenAiRoutesDeps extends VideoContentDeps {
  auth: AuthService;
  openai: OpenAiService;
  uploads: Uploads;
  media: MediaConfig;
  /** Per-key request budgets (docs/limits.md); absent: none. */
  limiter?: RateLimiter;
}

declare module 'fastify' {
  interface FastifyRequest {
    keyAccess?: KeyAccess;
  }
}

type VideoParams = { video_id: string };

const OWN_PATHS = /^\/v1\/(videos|models)(\/|\?|$)/;
/** Form limits: a handful of short fields and one file; the file's own limit comes from its kind. */
const FORM_LIMITS = { fields: 16, fieldSize: 64 * 1024, files: 1, parts: 24, headerPairs: 64, fieldNameSize: 100 };
/** Time allowed to check an uploaded file (its decode probe); the body itself has its own deadline. */
const UPLOAD_CHECK_MS = 120_000;

function parsed<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = parseWith(schema, input);
  if (result.ok) return result.value;
  const first = result.details[0];
  throw invalidParam(first?.path.split('.')[0] ?? '', summarize(result.details));
}

const accessOf = (request: FastifyRequest): KeyAccess => {
  if (!request.keyAccess) throw new Error('route registered without the auth hook');
  return request.keyAccess;
};

function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['idempotency-key'];
  if (Array.isArray(header)) throw invalidParam('Idempotency-Key', 'Idempotency-Key must be given once');
  return header;
}

export function registerOpenAiRoutes(app: FastifyInstance, deps: OpenAiRoutesDeps): void {
  const fileLimit = Math.max(maxBytesOf('image', deps.media), maxBytesOf('video', deps.media));
  // A JSON create may carry a data: URL image: base64 of the largest image, plus the other fields.
  const jsonCreateLimit = Math.ceil((maxBytesOf('image', deps.media) * 4) / 3) + 64 * 1024;

  app.register(
    async (v1) => {
      v1.setNotFoundHandler((request, reply) => {
        const path = request.url.split('?')[0];
        if (!OWN_PATHS.test(request.url)) {
          return sendError(reply, new ApiError('NOT_FOUND', `No route for ${request.method} ${path}`));
        }
        return sendOpenAiError(
          reply,
          new OpenAiError(404, `No route for ${request.method} ${path}`, { code: 'not_found' }),
        );
      });

      v1.register(async (api) => {
        // Our own check (uploads.ts) reports an oversized file first; the parser's limit is the backstop.
        await api.register(multipart, { limits: { ...FORM_LIMITS, fileSize: fileLimit + 1 } });
        api.setErrorHandler((error, request, reply) => {
          const openAiError = toOpenAiError(error);
          if (openAiError) return sendOpenAiError(reply, openAiError);
          request.log.error({ err: error }, 'unhandled error');
          return sendOpenAiError(reply, new OpenAiError(500, 'Internal server error', { code: 'internal_error' }));
        });
        // The Python SDK sends `Content-Type: application/json` with an empty body on DELETE: that
        // is no body, not a malformed one. Everything else parses as before (poisoning refused).
        const json = api.getDefaultJsonParser('error', 'error');
        api.removeContentTypeParser('application/json');
        api.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
          if (body === '' && request.method !== 'POST') return done(null, undefined);
          return json(request, body as string, done);
        });
        // Before the body is read: an unknown key gets 401 without us parsing anything.
        api.addHook('onRequest', async (request, reply) => {
          request.keyAccess = await deps.auth.authorizeKey(request.headers.authorization);
          await deps.limiter?.admit(request.keyAccess.key, bucketOf(request.method), reply);
        });
        const signal = () => AbortSignal.timeout(UPLOAD_CHECK_MS);

        routeOperation(
          api,
          OPENAI_BASE_PATH,
          createVideo,
          async (request) => {
            const access = accessOf(request);
            const form = await readFormBody(request, {
              file: { field: 'input_reference', kind: 'image' },
              uploads: deps.uploads,
              media: deps.media,
              signal: signal(),
            });
            const params = parsed(OpenAiCreateVideoRequest, form.fields);
            let reference = form.upload?.url;
            const given = params.input_reference;
            if (given?.file_id !== undefined) {
              throw invalidParam(
                'input_reference',
                'input_reference.file_id is not supported: upload the file or give image_url',
                'unsupported_parameter',
              );
            }
            if (given?.image_url !== undefined) {
              const body = dataUrlBody(given.image_url, 'input_reference', maxBytesOf('image', deps.media));
              // A data: URL is checked now like an upload; an http(s) URL is fetched when the task runs.
              reference = body ? (await deps.uploads.store(body, 'image', signal())).url : given.image_url;
            } else if (given && !form.upload) {
              throw invalidParam('input_reference', 'input_reference needs a file or image_url');
            }
            return deps.openai.create(access, params, reference, idempotencyKeyOf(request));
          },
          { bodyLimit: jsonCreateLimit },
        );

        routeOperation(api, OPENAI_BASE_PATH, listVideos, async (request) =>
          deps.openai.list(accessOf(request), parsed(OpenAiListVideosQuery, { ...(request.query as object) })),
        );

        routeOperation<{ Params: VideoParams }>(api, OPENAI_BASE_PATH, retrieveVideo, async (request) =>
          deps.openai.retrieve(accessOf(request), request.params.video_id),
        );

        routeOperation<{ Params: VideoParams }>(api, OPENAI_BASE_PATH, deleteVideo, async (request) =>
          deps.openai.delete(accessOf(request), request.params.video_id),
        );

        routeOperation<{ Params: VideoParams }>(api, OPENAI_BASE_PATH, downloadVideoContent, async (request, reply) => {
          const query = parsed(OpenAiContentQuery, { ...(request.query as object) });
          const owned = await deps.openai.own(accessOf(request), request.params.video_id);
          return sendVideoContent(reply, owned, query.variant ?? 'video', deps);
        });

        routeOperation<{ Params: VideoParams }>(api, OPENAI_BASE_PATH, remixVideo, async (request) => {
          const form = await readFormBody(request, { uploads: deps.uploads, media: deps.media, signal: signal() });
          const { prompt } = parsed(OpenAiRemixVideoRequest, form.fields);
          return deps.openai.remix(accessOf(request), request.params.video_id, prompt, idempotencyKeyOf(request));
        });

        routeOperation(api, OPENAI_BASE_PATH, extendVideo, async (request) => {
          const form = await readFormBody(request, {
            file: { field: 'video', kind: 'video' },
            uploads: deps.uploads,
            media: deps.media,
            signal: signal(),
          });
          const params = parsed(OpenAiExtendVideoRequest, form.fields);
          return deps.openai.extend(accessOf(request), params, form.upload, idempotencyKeyOf(request));
        });

        routeOperation(api, OPENAI_BASE_PATH, listModels, async (request) => deps.openai.models(accessOf(request)));
      });
    },
    { prefix: OPENAI_BASE_PATH },
  );
}
