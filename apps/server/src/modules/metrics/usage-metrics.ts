/**
 * Usage (docs/observability.md, "Usage") as Prometheus counters, read at scrape time from the
 * all-time table the terminal transitions write (adapters/sql/usage.ts), so they count every task
 * of the fleet, whichever process ended it, and survive restarts. Every replica reports the same
 * database-wide numbers: take `max` across replicas, never `sum`. Labels are the endpoint's path,
 * the operation and the outcome; access keys are not labels (their number is not bounded by the
 * operator the way endpoints are): `vidforge usage --key` reports per key.
 */
import { Counter, type Registry } from 'prom-client';
import type { UsageStore, UsageTotal } from '../../ports/usage-store.ts';

export interface UsageMetricsDeps {
  usage: Pick<UsageStore, 'totals'>;
  cacheMs?: number;
  log: { warn(obj: object, msg: string): void };
}

export function registerUsageMetrics(registry: Registry, deps: UsageMetricsDeps): void {
  const cacheMs = deps.cacheMs ?? 5_000;
  let cached: { until: number; totals: Promise<UsageTotal[] | null> } | null = null;

  function totals(): Promise<UsageTotal[] | null> {
    const at = performance.now();
    if (!cached || at >= cached.until) {
      const read = deps.usage.totals().catch((err: unknown) => {
        deps.log.warn({ err }, 'could not read usage for metrics');
        return null;
      });
      cached = { until: at + cacheMs, totals: read };
    }
    return cached.totals;
  }

  const registers = [registry];
  const labelsOf = (t: UsageTotal) => ({ endpoint: t.endpointPath ?? t.endpointId, type: t.type });
  const counter = (name: string, help: string, withOutcome: boolean, measure: (t: UsageTotal) => number) =>
    new Counter({
      name,
      help,
      labelNames: withOutcome ? (['endpoint', 'type', 'outcome'] as const) : (['endpoint', 'type'] as const),
      registers,
      async collect() {
        const rows = await totals();
        // Absent from a scrape whose read failed, rather than a drop to 0 that looks like a reset.
        this.reset();
        for (const row of rows ?? []) {
          this.inc(withOutcome ? { ...labelsOf(row), outcome: row.outcome } : labelsOf(row), measure(row));
        }
      },
    });

  counter(
    'vidforge_usage_tasks_total',
    'Finished tasks by endpoint, operation and outcome (succeeded, failed, cancelled); database-wide, take max across replicas',
    true,
    (t) => t.tasks,
  );
  counter(
    'vidforge_usage_video_seconds_total',
    'Seconds of video produced by succeeded tasks, by endpoint and operation; database-wide',
    false,
    (t) => t.videoSeconds,
  );
  counter(
    'vidforge_usage_engine_seconds_total',
    'Engine time (run time of every attempt, retried ones included) of finished tasks, by endpoint and operation; database-wide',
    false,
    (t) => t.engineMs / 1000,
  );
}
