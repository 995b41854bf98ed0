/**
 * Request latency by route pattern and status. The route is the pattern Fastify matched
 * (`/v1/ai/:endpointPath/video/tasks/:taskId`), never the URL: ids and endpoint paths in URLs
 * would make one time series per task. Requests no route matched share one label value.
 *
 * Observed on every request, so kept as plain counts: prom-client's Histogram validates, sorts and
 * hashes the label set on every `observe`, about 3 % of a poll's CPU (docs/performance.md). Here an
 * observation is one string key, one map lookup and a walk of 14 bounds; the registry reads the
 * counts only when scraped, in prom-client's own shape (`get()`), so the exposition is unchanged.
 */
import type { Metric, Registry } from 'prom-client';
import { HTTP_SECONDS } from './buckets.ts';

/** The `route` of requests that matched no route (404 NOT_FOUND). */
export const UNMATCHED_ROUTE = 'unmatched';

export type HttpObserver = (method: string, route: string | undefined, statusCode: number, seconds: number) => void;

const NAME = 'vidforge_http_request_duration_seconds';

/** One sample, as prom-client's metrics hand them to the registry. */
interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

interface Series {
  labels: { method: string; route: string; status_code: string };
  /** Observations per bucket (not cumulative); the last is past the largest bound (+Inf only). */
  counts: number[];
  sum: number;
  count: number;
}

class RequestHistogram {
  readonly name = NAME;
  readonly help = 'HTTP requests by method, route pattern and status code, from arrival to the last byte sent';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, Series>();

  observe(method: string, route: string, statusCode: number, seconds: number): void {
    const key = `${method} ${statusCode} ${route}`;
    let series = this.#series.get(key);
    if (!series) {
      series = {
        labels: { method, route, status_code: String(statusCode) },
        counts: new Array<number>(HTTP_SECONDS.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      this.#series.set(key, series);
    }
    let bucket = 0;
    while (bucket < HTTP_SECONDS.length && seconds > HTTP_SECONDS[bucket]!) bucket += 1;
    series.counts[bucket]! += 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** prom-client's Histogram output: cumulative `_bucket` samples with `le`, then `_sum` and `_count`. */
  async get() {
    const values: Sample[] = [];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let cumulative = 0;
      HTTP_SECONDS.forEach((bound, i) => {
        cumulative += counts[i]!;
        values.push({ metricName: `${NAME}_bucket`, labels: { le: bound, ...labels }, value: cumulative });
      });
      values.push({ metricName: `${NAME}_bucket`, labels: { le: '+Inf', ...labels }, value: count });
      values.push({ metricName: `${NAME}_sum`, labels, value: sum });
      values.push({ metricName: `${NAME}_count`, labels, value: count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.#series.clear();
  }
}

export function createHttpMetrics(registry: Pick<Registry, 'registerMetric'>): HttpObserver {
  const histogram = new RequestHistogram();
  // The registry takes any object with prom-client's metric surface (name, help, type, get, reset).
  registry.registerMetric(histogram as unknown as Metric);
  return (method, route = UNMATCHED_ROUTE, statusCode, seconds) =>
    histogram.observe(method, route, statusCode, seconds);
}
