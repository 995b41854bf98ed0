/**
 * Serves the web console at `/`: index.html (revalidated on every load: `no-cache` + ETag) and its
 * content-hashed assets under `/assets/` (cached for a year, immutable). Unknown assets are 404 in
 * the API's error shape. Nothing here shadows `/v1`, `/healthz` or `/readyz`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../http/api-error.ts';
import { sendError } from '../../http/error-handler.ts';
import type { ConsoleBundle, ConsoleFile } from './console-bundle.ts';

/**
 * The page runs only its own script and style, and talks only to its own origin (the API). Source
 * previews show images and videos from any http(s) URL the user types, and results may be served
 * from another origin (a configured public URL, object storage), hence img-src and media-src;
 * a local file chosen for upload is previewed from its blob: URL (the upload URL serves nothing).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: http: blob:",
  "media-src 'self' https: http: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

function acceptsGzip(request: FastifyRequest): boolean {
  const header = request.headers['accept-encoding'];
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return coding?.trim().toLowerCase() === 'gzip' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

function matches(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

function send(request: FastifyRequest, reply: FastifyReply, file: ConsoleFile, cacheControl: string) {
  const gzip = file.gzip !== null && acceptsGzip(request);
  const etag = gzip ? `${file.etag.slice(0, -1)}-gz"` : file.etag;
  reply.header('cache-control', cacheControl).header('etag', etag).header('x-content-type-options', 'nosniff');
  if (file.gzip !== null) reply.header('vary', 'accept-encoding');
  if (matches(request, etag)) return reply.code(304).send();
  reply.type(file.contentType);
  if (gzip) reply.header('content-encoding', 'gzip');
  return reply.send(gzip ? file.gzip : file.body);
}

export function registerConsoleRoutes(app: FastifyInstance, bundle: ConsoleBundle): void {
  app.get('/', async (request, reply) => {
    reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cross-origin-opener-policy', 'same-origin');
    return send(request, reply, bundle.index, 'no-cache');
  });
  app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    const file = bundle.assets.get(request.params.file);
    if (!file) return sendError(reply, new ApiError('NOT_FOUND', 'No such console asset'));
    return send(request, reply, file, ASSET_CACHE_CONTROL);
  });
}
