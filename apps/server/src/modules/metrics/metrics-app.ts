/**
 * The metrics listener (`VIDFORGE_METRICS_PORT`): `GET /metrics` alone, on a port of its own. It is
 * how a process without the `api` role (a worker) exposes its counters, and how an operator keeps
 * the metrics off the public port. Built here, listened to by main.ts.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandling } from '../../http/error-handler.ts';
import { requestIdOf } from '../../http/request-id.ts';
import { type MetricsRouteDeps, registerMetricsRoute } from './metrics.routes.ts';

export function buildMetricsApp(deps: MetricsRouteDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    genReqId: requestIdOf,
    // A scrape is one small GET: short limits keep an idle or slow client from holding sockets.
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 65_000,
  });
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  installErrorHandling(app);
  registerMetricsRoute(app, deps);
  return app;
}
