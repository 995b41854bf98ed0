/**
 * The request histogram keeps its own counts (http-metrics.ts); what a scrape shows must be what
 * prom-client's Histogram shows for the same observations, in both exposition formats.
 */
import { Histogram, Registry, type RegistryContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HTTP_SECONDS } from '../../src/modules/metrics/buckets.ts';
import { createHttpMetrics, UNMATCHED_ROUTE } from '../../src/modules/metrics/http-metrics.ts';

const POLL = '/v1/ai/:endpointPath/video/tasks/:taskId';

/** Every bound exactly, just above and below it, zero, and past the largest. */
const OBSERVATIONS: [string, string | undefined, number, number][] = [
  ...HTTP_SECONDS.flatMap((bound): [string, string, number, number][] => [
    ['GET', POLL, 200, bound],
    ['GET', POLL, 200, bound * 1.0001],
    ['POST', '/v1/ai/:endpointPath/video/generate', 429, bound * 0.9999],
  ]),
  ['GET', POLL, 200, 0],
  ['GET', POLL, 404, 500],
  ['GET', undefined, 404, 0.0002],
  ['DELETE', '/v1/videos/:videoId', 200, 0.003],
];

function reference(): Registry<RegistryContentType> {
  const registry = new Registry<RegistryContentType>();
  const histogram = new Histogram({
    name: 'vidforge_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status code, from arrival to the last byte sent',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_SECONDS,
    registers: [registry],
  });
  for (const [method, route, status, seconds] of OBSERVATIONS) {
    histogram.observe({ method, route: route ?? UNMATCHED_ROUTE, status_code: status }, seconds);
  }
  return registry;
}

function ours(): Registry<RegistryContentType> {
  const registry = new Registry<RegistryContentType>();
  const observe = createHttpMetrics(registry);
  for (const [method, route, status, seconds] of OBSERVATIONS) observe(method, route, status, seconds);
  return registry;
}

describe('the request histogram', () => {
  it('scrapes exactly like prom-client’s Histogram given the same observations', async () => {
    expect(await ours().metrics()).toBe(await reference().metrics());
    const openMetrics = (registry: Registry<RegistryContentType>) => {
      registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
      return registry.metrics();
    };
    expect(await openMetrics(ours())).toBe(await openMetrics(reference()));
  });

  it('is emptied by a registry reset and counts again after it', async () => {
    const registry = new Registry();
    const observe = createHttpMetrics(registry);
    observe('GET', POLL, 200, 0.001);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('_count{');
    observe('GET', POLL, 200, 0.001);
    expect(await registry.metrics()).toContain(
      `vidforge_http_request_duration_seconds_count{method="GET",route="${POLL}",status_code="200"} 1`,
    );
  });
});
