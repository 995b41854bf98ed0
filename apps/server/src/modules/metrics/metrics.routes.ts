/**
 * `GET /metrics`: the Prometheus text format. With a token configured the scraper must send
 * `Authorization: Bearer <token>`; without one the route is open to whoever reaches the port
 * (docs/observability.md recommends a token or a private listener).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { ApiError } from '../../http/api-error.ts';
import { bearerToken } from '../auth/secrets.ts';

export interface MetricsRouteDeps {
  registry: Registry;
  /** The scrape token (VIDFORGE_METRICS_TOKEN); undefined: no authentication. */
  token?: string;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export function registerMetricsRoute(app: FastifyInstance, deps: MetricsRouteDeps): void {
  const expected = deps.token === undefined ? null : digest(deps.token);
  app.get('/metrics', async (request, reply) => {
    if (expected) {
      const given = bearerToken(request.headers.authorization);
      // Digests have one length whatever was sent, so the comparison is constant-time and the
      // token's length does not leak either.
      if (!given || !timingSafeEqual(digest(given), expected)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw new ApiError(
          'UNAUTHORIZED',
          'Missing or wrong metrics token; expected "Bearer <VIDFORGE_METRICS_TOKEN>"',
        );
      }
    }
    const text = await deps.registry.metrics();
    return reply.header('cache-control', 'no-store').type(deps.registry.contentType).send(text);
  });
}
