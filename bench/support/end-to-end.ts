/**
 * End-to-end task throughput of two deployments side by side: N no-op tasks submitted across a
 * deployment's API processes and run to SUCCESS by its workers, first submit to last SUCCESS, the
 * rounds alternating between the two so drift hits both alike. The CPU time of every process of a
 * deployment (and of its database's backends, where there are some) is counted over each round.
 */
import { inParallel } from './http.ts';
import { processCpu } from './processes.ts';
import type { VidforgeServer } from './servers.ts';
import { median, nowMs } from './stats.ts';
import { submitTask } from './submit.ts';

export interface Deployment {
  /** Where submits go, round-robin. */
  servers: VidforgeServer[];
  /** Every process that does the deployment's work. */
  pids(): number[];
  succeeded(): Promise<number>;
  queueWaits(taskIds: readonly string[]): Promise<number[]>;
  /** Starts a meter of the database server's CPU for this deployment; null when it has none to read. */
  backendCpu: (() => Promise<() => Promise<number>>) | null;
}

export interface Measured {
  /** Tasks per second over all rounds. */
  perSecond: number;
  items: number;
  /** CPU seconds of the deployment's processes, and of its database backends (null: none or unreadable). */
  serverS: number;
  pgS: number | null;
  queueWaitP50: number;
  /** A task that ended SUCCESS, for polling afterwards. */
  lastTaskId: string;
}

export interface EndToEndOptions {
  count: number;
  rounds: number;
  /** Submits in flight at once. */
  concurrency: number;
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function oneRound(d: Deployment, options: EndToEndOptions) {
  const before = await d.succeeded();
  const pgCpu = d.backendCpu ? await d.backendCpu() : null;
  const cpu = processCpu(d.pids());
  const t0 = nowMs();
  const submitted = await inParallel(options.count, options.concurrency, (i) =>
    submitTask(d.servers[i % d.servers.length]!),
  );
  const deadline = t0 + (options.timeoutMs ?? 120_000);
  // Every 5 ms, far below a run's length: on PostgreSQL each count wakes a backend, which competes
  // with the deployment for the cores.
  while ((await d.succeeded()) < before + options.count) {
    if (nowMs() > deadline) throw new Error(`timed out waiting for ${options.count} tasks to succeed`);
    await sleep(5);
  }
  const seconds = (nowMs() - t0) / 1000;
  const serverS = cpu();
  const pgS = pgCpu ? await pgCpu() : null;
  const ids = submitted.map((s) => s.taskId);
  return { seconds, serverS, pgS, waits: await d.queueWaits(ids), lastTaskId: ids.at(-1)! };
}

/** Runs `rounds` rounds on each, alternating (b first, as the other families run the baseline first). */
export async function compareEndToEnd(
  a: Deployment,
  b: Deployment,
  options: EndToEndOptions,
): Promise<{ a: Measured; b: Measured }> {
  const runs = { a: [] as Awaited<ReturnType<typeof oneRound>>[], b: [] as Awaited<ReturnType<typeof oneRound>>[] };
  for (let round = 0; round < options.rounds; round++) {
    runs.b.push(await oneRound(b, options));
    runs.a.push(await oneRound(a, options));
  }
  const total = (list: typeof runs.a): Measured => {
    const items = options.count * list.length;
    const sum = (pick: (r: (typeof list)[number]) => number) => list.reduce((n, r) => n + pick(r), 0);
    const pg = list.every((r) => r.pgS !== null) ? sum((r) => r.pgS!) : null;
    return {
      perSecond: items / sum((r) => r.seconds),
      items,
      serverS: sum((r) => r.serverS),
      pgS: pg,
      queueWaitP50: median(list.flatMap((r) => r.waits)),
      lastTaskId: list.at(-1)!.lastTaskId,
    };
  };
  return { a: total(runs.a), b: total(runs.b) };
}
