/**
 * Gauges read from the database at scrape time: queue depth and the age of the oldest waiting
 * task per engine, tasks in progress, and remote runners connected and busy. In a fleet every
 * replica reads the same shared numbers (take one replica's value or the max, never the sum).
 *
 * One read serves every gauge of a scrape and is kept for `cacheMs`, and concurrent scrapes share
 * it, so scrapes (several Prometheus servers, a dashboard refreshing) cannot hammer the database.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../../ports/clock.ts';
import type { RunnerStore } from '../../ports/runner-store.ts';
import type { QueueStats, TaskLedger } from '../../ports/task-ledger.ts';
import { runnerWorkerId } from '../runners/runner-tokens.ts';

export interface QueueMetricsDeps {
  ledger: Pick<TaskLedger, 'queueStats' | 'openLeases'>;
  runners: Pick<RunnerStore, 'list'>;
  clock: Clock;
  /** Engines reported (at 0 when idle) from the start; others once they have had tasks. */
  engines: readonly string[];
  /** A runner counts as connected when it called within this (its long-polls and heartbeats). */
  runnerSeenWithinMs: number;
  cacheMs?: number;
  /** Unfinished tasks read per status at most (TaskLedger.queueStats). */
  scanLimit?: number;
  log: { warn(obj: object, msg: string): void };
}

interface Snapshot {
  now: number;
  stats: QueueStats;
  runnersConnected: number;
  runnersBusy: number;
}

export function registerQueueMetrics(registry: Registry, deps: QueueMetricsDeps): void {
  const cacheMs = deps.cacheMs ?? 1000;
  const scanLimit = deps.scanLimit ?? 10_000;
  let cached: { until: number; snapshot: Promise<Snapshot | null> } | null = null;
  // Engines seen once stay reported (at 0) when their queue empties: a series that vanishes
  // would look like a gap to dashboards and hold alerts in their last state.
  const engines = new Set<string>(deps.engines);

  async function read(): Promise<Snapshot | null> {
    try {
      const now = deps.clock.now();
      const stats = await deps.ledger.queueStats(scanLimit);
      for (const e of stats.engines) engines.add(e.engine);
      const active = (await deps.runners.list()).filter((r) => r.revokedAt === null);
      const connected = active.filter((r) => r.lastSeenAt !== null && now - r.lastSeenAt <= deps.runnerSeenWithinMs);
      const leases = await deps.ledger.openLeases(active.map((r) => runnerWorkerId(r.id)));
      return {
        now,
        stats,
        runnersConnected: connected.length,
        runnersBusy: new Set(leases.map((lease) => lease.workerId)).size,
      };
    } catch (err) {
      // The scrape still answers with everything else; these gauges are absent from it.
      deps.log.warn({ err }, 'could not read the queue for metrics');
      return null;
    }
  }

  function snapshot(): Promise<Snapshot | null> {
    const at = performance.now();
    if (!cached || at >= cached.until) cached = { until: at + cacheMs, snapshot: read() };
    return cached.snapshot;
  }

  const registers = [registry];
  /** A gauge per engine; absent from a scrape whose read failed. */
  const perEngine = (name: string, help: string, measure: (s: Snapshot, engine: string) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['engine'] as const,
      registers,
      async collect() {
        this.reset();
        const s = await snapshot();
        if (s) for (const engine of engines) this.set({ engine }, measure(s, engine));
      },
    });
  /** One number for the whole fleet; absent from a scrape whose read failed. */
  const single = (name: string, help: string, measure: (s: Snapshot) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        this.reset();
        const s = await snapshot();
        if (s) this.set(measure(s));
      },
    });

  perEngine(
    'vidforge_queue_pending_tasks',
    'PENDING tasks per engine (retries waiting out their backoff included); shared by all replicas',
    (s, engine) => find(s, engine)?.pending ?? 0,
  );
  perEngine(
    'vidforge_queue_oldest_pending_age_seconds',
    'How long the longest-waiting runnable PENDING task of each engine has been runnable; 0 when none',
    (s, engine) => {
      const oldest = find(s, engine)?.oldestRunAfter ?? null;
      return oldest === null ? 0 : Math.max(0, s.now - oldest) / 1000;
    },
  );
  perEngine(
    'vidforge_queue_in_progress_tasks',
    'IN_PROGRESS tasks per engine (claimed by a worker or runner); shared by all replicas',
    (s, engine) => find(s, engine)?.inProgress ?? 0,
  );
  single(
    'vidforge_queue_stats_truncated',
    '1 when the queue read stopped at its row limit, so the queue gauges are lower bounds',
    (s) => (s.stats.truncated ? 1 : 0),
  );
  single(
    'vidforge_runners_connected',
    'Remote runners (not revoked) that called the server recently',
    (s) => s.runnersConnected,
  );
  single('vidforge_runners_busy', 'Remote runners holding at least one open lease', (s) => s.runnersBusy);
}

const find = (s: Snapshot, engine: string) => s.stats.engines.find((e) => e.engine === engine);
