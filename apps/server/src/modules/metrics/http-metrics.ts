/**
 * Request latency by route pattern and status. The route is the pattern Fastify matched
 * (`/v1/ai/:endpointPath/video/tasks/:taskId`), never the URL: ids and endpoint paths in URLs
 * would make one time series per task. Requests no route matched share one label value.
 */
import { Histogram, type Registry } from 'prom-client';
import { HTTP_SECONDS } from './buckets.ts';

/** The `route` of requests that matched no route (404 NOT_FOUND). */
export const UNMATCHED_ROUTE = 'unmatched';

export type HttpObserver = (method: string, route: string | undefined, statusCode: number, seconds: number) => void;

export function createHttpMetrics(registry: Registry): HttpObserver {
  const duration = new Histogram({
    name: 'vidforge_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status code, from arrival to the last byte sent',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_SECONDS,
    registers: [registry],
  });
  // The bound child of each label set, so a request costs one Map lookup and not prom-client's
  // label hashing (sorting and joining the label names). Bounded: routes × methods × statuses.
  const children = new Map<string, Histogram.Internal<'method' | 'route' | 'status_code'>>();
  return (method, route = UNMATCHED_ROUTE, statusCode, seconds) => {
    const key = `${method} ${statusCode} ${route}`;
    let child = children.get(key);
    if (!child) {
      child = duration.labels({ method, route, status_code: statusCode });
      children.set(key, child);
    }
    child.observe(seconds);
  };
}
