/**
 * CORS for browser clients on other origins (docs/operations.md, "Browsers"). Access is by Bearer
 * key, never by cookie, so no credentials mode is offered and the allow-list only decides which
 * pages may read the answers. Preflights are answered for every path (204; with the allow headers
 * only for an allowed origin), before authentication: a browser sends them without the key. The
 * headers are set first, so early answers (401, 503 while draining) are readable by the page too.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What a browser page needs to read: limits, retry advice and the request id. */
const EXPOSED = 'RateLimit, RateLimit-Policy, Retry-After, X-Request-Id, Content-Range, Accept-Ranges, ETag';
const ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key, X-Request-Id, Last-Event-ID, Range, If-Range';
const ALLOWED_METHODS = 'GET, POST, PUT, DELETE, OPTIONS';
const MAX_AGE_S = '600';

/** `*` or exact origins (`https://app.example.com`), as configured. */
export function parseCorsOrigins(text: string): string[] {
  return text
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter(Boolean);
}

/**
 * The CORS step of the first request hook, or null when no origin is configured (then nothing is
 * added to any answer, and preflights get 404 like any unknown route). Returns true when it
 * answered a preflight itself.
 */
export function createCors(
  origins: readonly string[],
): ((request: FastifyRequest, reply: FastifyReply) => boolean) | null {
  if (origins.length === 0) return null;
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (request, reply) => {
    const origin = request.headers.origin;
    const allows = origin !== undefined && (any || allowed.has(origin));
    // Caches must keep answers for different origins apart.
    reply.header('vary', 'Origin');
    if (allows) {
      reply.header('access-control-allow-origin', any ? '*' : origin);
      reply.header('access-control-expose-headers', EXPOSED);
    }
    if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] === undefined) return false;
    if (allows) {
      reply.header('access-control-allow-methods', ALLOWED_METHODS);
      reply.header('access-control-allow-headers', ALLOWED_HEADERS);
      reply.header('access-control-max-age', MAX_AGE_S);
    }
    reply.status(204).send();
    return true;
  };
}
