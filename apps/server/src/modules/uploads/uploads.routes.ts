/**
 * `POST /v1/ai/{endpointPath}/uploads` (CONTRACT.md Part C, docs/api.md "Uploads"): the raw bytes of
 * one image or video become a URL that the three POSTs accept as `config.sourceImage` or
 * `config.sourceVideo`. Same Bearer key and endpoint visibility as the seed routes. The bytes go
 * through the checks of a fetched source (uploads.ts → receiveSource) and nothing else: the type
 * comes from the first bytes, never from Content-Type or a name.
 */
import { API_PREFIX, type UploadResponse, uploadFile } from '@vidforge/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EngineError } from '../../engines/engine.ts';
import { ApiError } from '../../http/api-error.ts';
import { routeOperation } from '../../http/operation-route.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { bucketOf, type RateLimiter } from '../limits/rate-limiter.ts';
import type { MediaConfig } from '../media/media.config.ts';
import { peekMediaType } from './peek-body.ts';
import { maxBytesOf, type Uploads } from './uploads.ts';

export interface UploadRoutesDeps {
  auth: AuthService;
  /** Uploads spend the key's submit budget (docs/limits.md); absent: no limits. */
  limiter?: RateLimiter;
  uploads: Uploads;
  media: MediaConfig;
}

type EndpointParams = { endpointPath: string };

/** Time allowed to inspect a received file (its decode probe); the body has the request deadline. */
const CHECK_MS = 120_000;

/** Aborts when the client goes away before the answer, so a dropped upload stops its probe. */
function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** Content-Length as a number, undefined when chunked or absent (Node has refused a malformed one). */
function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  return header === undefined ? undefined : Number(header);
}

const tooLarge = (maxBytes: number, what: string) =>
  new ApiError('PAYLOAD_TOO_LARGE', `The file is larger than the limit for ${what} (${maxBytes} bytes)`);

/** The media checks speak of "the source"; the caller needs to hear about the file it sent. */
function asUploadError(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  if (!(error instanceof EngineError)) {
    // The body broke off (client reset, aborted chunked body): nobody is left to read the answer,
    // but it must not be a 500 in the logs either.
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (error as Error)?.name === 'AbortError') {
      return new ApiError('INVALID_REQUEST', 'The upload ended before it was complete');
    }
    return error;
  }
  const message = `The file was refused: ${error.message.replace(/^the source( picture| video| image)?/, 'the file')}`;
  switch (error.code) {
    case 'SOURCE_TOO_LARGE':
      return new ApiError('PAYLOAD_TOO_LARGE', message);
    case 'SOURCE_UNSUPPORTED':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', message);
    default:
      // SOURCE_INVALID (empty, cut short, undecodable) and a probe that ran out of time.
      return new ApiError('INVALID_REQUEST', message);
  }
}

export function registerUploadRoutes(app: FastifyInstance, deps: UploadRoutesDeps): void {
  const largest = Math.max(maxBytesOf('image', deps.media), maxBytesOf('video', deps.media));

  app.register(
    async (scope) => {
      // Every body is left unread for the handler: no JSON parsing, no buffering, no size limit but ours.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

      // Before the body is read: an unknown key or endpoint gets its answer without us reading it.
      scope.addHook('onRequest', async (request, reply) => {
        const { endpointPath } = request.params as EndpointParams;
        request.caller = await deps.auth.authorize(request.headers.authorization, endpointPath);
        await deps.limiter?.admit(request.caller.key, bucketOf(request.method), reply);
        if (request.headers['content-type']?.toLowerCase().startsWith('multipart/')) {
          throw new ApiError(
            'UNSUPPORTED_MEDIA_TYPE',
            "Send the file's bytes as the request body (curl --data-binary @photo.png), not a form",
          );
        }
        const declared = declaredLength(request);
        if (declared !== undefined && declared > largest) {
          const limits = `images up to ${maxBytesOf('image', deps.media)} bytes, videos up to ${maxBytesOf('video', deps.media)}`;
          throw new ApiError('PAYLOAD_TOO_LARGE', `The file is larger than any upload may be (${limits})`);
        }
      });

      routeOperation<{ Params: EndpointParams }>(
        scope,
        API_PREFIX,
        uploadFile,
        async (request, reply): Promise<UploadResponse> => {
          try {
            const body = request.body as (NodeJS.ReadableStream & AsyncIterable<Uint8Array>) | undefined;
            if (!body) throw new ApiError('INVALID_REQUEST', 'The upload is empty: send the file as the request body');
            const peeked = await peekMediaType(body);
            if (peeked.empty) throw new ApiError('INVALID_REQUEST', 'The upload is empty (0 bytes)');
            const { kind } = peeked.type;
            // Refused before the rest is read when the declared size already says so.
            const maxBytes = maxBytesOf(kind, deps.media);
            const declared = declaredLength(request);
            if (declared !== undefined && declared > maxBytes) throw tooLarge(maxBytes, `an ${kind}`);
            const signal = AbortSignal.any([AbortSignal.timeout(CHECK_MS), clientGone(reply)]);
            const stored = await deps.uploads.store(peeked.body, kind, signal);
            return {
              url: stored.url,
              kind: stored.kind,
              contentType: stored.contentType as UploadResponse['contentType'],
              size: stored.size,
              expiresAt: stored.expiresAt,
            };
          } catch (error) {
            // The rest of a refused upload is not worth reading: answer and close the connection.
            if (!request.raw.complete) reply.header('connection', 'close');
            throw asUploadError(error);
          }
        },
        { config: { streamingBody: true } },
      );
    },
    { prefix: API_PREFIX },
  );
}
