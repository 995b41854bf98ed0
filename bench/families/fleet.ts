/**
 * Fleet: what running as a fleet on PostgreSQL costs against the embedded mode (one process on
 * SQLite), both measured in the same run, alternating, with the same core for Vidforge.
 *
 * - Polls and submits per second across two API replicas (the load split evenly between them, as a
 *   balancer would) against the same requests to one embedded process;
 * - end to end, N no-op tasks submitted across both replicas and run to SUCCESS by two worker
 *   processes, against one embedded process with as many in-process workers; plus the median queue
 *   wait (claim − creation) read from each database.
 *
 * Every Vidforge process is pinned to the server core, as in the other families. PostgreSQL is a
 * shared system service and is left where the scheduler puts it; the CPU its backends spend on the
 * bench's database has rows of its own, since in a fleet part of each request's work moves there
 * (in the embedded mode SQLite's work is inside the server's own CPU time).
 */
import { type BenchContext, pick, scratchDir } from '../support/context.ts';
import { compareEndToEnd, type Deployment } from '../support/end-to-end.ts';
import { type BenchFleet, startFleet } from '../support/fleet.ts';
import { runSplitLoad } from '../support/load.ts';
import { type BenchDatabase, createBenchDatabase } from '../support/postgres.ts';
import { processCpu } from '../support/processes.ts';
import { startVidforge, type VidforgeServer } from '../support/servers.ts';
import type { Family, Row } from '../support/table.ts';
import { openTaskDb } from '../support/task-db.ts';
import { SUBMIT_BODY } from './api.ts';

const REPLICAS = 2;
const WORKER_PROCESSES = 2;
/** As many workers in all as the embedded process gets: the storage and the processes differ, not the workers. */
const WORKERS_EACH = 1;
const EMBEDDED_WORKERS = WORKER_PROCESSES * WORKERS_EACH;

/** One side of a comparison: a rate, how many items it covered, and the CPU seconds they took. */
interface Side {
  perSecond: number;
  items: number;
  serverS: number;
  /** PostgreSQL backends' CPU seconds; null in the embedded mode or when the server is not local. */
  pgS: number | null;
}

export async function fleetFamily(ctx: BenchContext): Promise<Family> {
  const database = await createBenchDatabase();
  const embeddedDir = await scratchDir(ctx, 'fleet-embedded');
  const notes: string[] = [];
  let fleet: BenchFleet | null = null;
  let embedded: VidforgeServer | null = null;
  try {
    // Side by side: the starts wait on PostgreSQL and the disk as much as on the core.
    const [started, single] = await Promise.allSettled([
      startFleet(ctx, database.url, {
        replicas: REPLICAS,
        workerProcesses: WORKER_PROCESSES,
        workersEach: WORKERS_EACH,
      }),
      startVidforge(ctx, {
        dataDir: embeddedDir,
        env: { VIDFORGE_WORKERS: String(EMBEDDED_WORKERS) },
        pinWhenReady: true,
      }),
    ]);
    fleet = started.status === 'fulfilled' ? started.value : null;
    embedded = single.status === 'fulfilled' ? single.value : null;
    if (started.status === 'rejected') throw started.reason;
    if (single.status === 'rejected') throw single.reason;
    const onFleet = started.value;
    const e2e = await endToEnd(ctx, database, onFleet, single.value, notes);

    // The API rows run without workers, as the api family's do: submits pile up and nothing runs
    // them, so the figures are the API's alone. The polled tasks are SUCCESS ones from above.
    await Promise.all([onFleet.stopWorkers(), single.value.stop()]);
    embedded = await startVidforge(ctx, { dataDir: embeddedDir, env: { VIDFORGE_WORKERS: '0' }, pinWhenReady: true });
    const api = await apiRows(ctx, database, onFleet, embedded, e2e.polled, notes);
    if (!database.local) notes.push('PostgreSQL is not on this machine: its CPU is not counted');
    return {
      id: 'fleet',
      title: 'Fleet',
      baseline: 'the embedded mode (one process on SQLite) doing the same, measured alternately in the same run',
      rows: [...api, ...e2e.rows],
      notes,
    };
  } finally {
    await Promise.all([fleet?.stop(), embedded?.stop()]);
    await database.drop();
  }
}

async function endToEnd(
  ctx: BenchContext,
  database: BenchDatabase,
  fleet: BenchFleet,
  embedded: VidforgeServer,
  notes: string[],
) {
  const count = pick(ctx, 600, 40);
  const rounds = pick(ctx, 2, 1);
  const sqlite = openTaskDb(embedded.dbFile);
  try {
    const onPostgres: Deployment = {
      servers: fleet.replicas,
      pids: fleet.pids,
      succeeded: () => database.countByStatus('SUCCESS'),
      queueWaits: (ids) => database.queueWaits(ids),
      backendCpu: database.local ? () => database.backendCpu() : null,
    };
    const onSqlite: Deployment = {
      servers: [embedded],
      pids: () => [embedded.child.pid],
      succeeded: async () => sqlite.countByStatus('SUCCESS'),
      queueWaits: async (ids) => sqlite.queueWaits(ids),
      backendCpu: null,
    };
    ctx.log(`fleet: ${count} no-op tasks end to end, ${rounds} round(s) each`);
    const { a, b } = await compareEndToEnd(onPostgres, onSqlite, { count, rounds, concurrency: 16 });
    notes.push(
      `end to end: ${count} no-op tasks per round (${rounds} round(s) each, alternating), submitted 16 at a time ` +
        `round-robin over the replicas, first submit to last SUCCESS; ${WORKER_PROCESSES} worker processes of ` +
        `${WORKERS_EACH} worker against one process with ${EMBEDDED_WORKERS}; queue wait = claim − creation (database clock)`,
    );
    const name = `${count} no-op tasks, ${REPLICAS} API + ${WORKER_PROCESSES} worker processes`;
    const rows: Row[] = [
      { case: name, metric: 'throughput', unit: 'tasks/s', value: a.perSecond, baseline: b.perSecond },
      { case: name, metric: 'queue wait p50', unit: 'ms', value: a.queueWaitP50, baseline: b.queueWaitP50 },
      ...cpuRows(name, 'µs/task', a, b),
    ];
    return { rows, polled: { fleet: a.lastTaskId, embedded: b.lastTaskId } };
  } finally {
    sqlite.close();
  }
}

async function apiRows(
  ctx: BenchContext,
  database: BenchDatabase,
  fleet: BenchFleet,
  embedded: VidforgeServer,
  polled: { fleet: string; embedded: string },
  notes: string[],
): Promise<Row[]> {
  const concurrencies = pick(ctx, [16, 64], [16]);
  const durationS = pick(ctx, 4, 0.5);
  const warmupS = pick(ctx, 1, 0.2);
  const json = { 'content-type': 'application/json' };
  const cases = [
    { label: 'GET task', method: 'GET' as const, path: (id: string) => `/video/tasks/${id}`, body: null },
    {
      label: 'POST generate',
      method: 'POST' as const,
      path: () => '/video/generate',
      body: JSON.stringify(SUBMIT_BODY),
    },
  ];
  const rows: Row[] = [];
  for (const c of cases) {
    for (const connections of concurrencies) {
      const name = `${c.label}, c=${connections}`;
      ctx.log(`fleet: ${name}, embedded then ${REPLICAS} replicas`);
      const measure = async (servers: VidforgeServer[], taskId: string, pg: BenchDatabase | null) => {
        let cpu = () => Number.NaN;
        let pgCpu: (() => Promise<number>) | null = null;
        const load = await runSplitLoad({
          targets: servers.map((s) => ({
            url: `${s.testBase}${c.path(taskId)}`,
            headers: { ...s.headers, ...(c.body === null ? {} : json) },
          })),
          method: c.method,
          ...(c.body === null ? {} : { body: c.body }),
          connections,
          durationS,
          warmupS,
          // After the warm-up: the pools have opened their connections by then.
          beforeMeasure: async () => {
            pgCpu = pg ? await pg.backendCpu() : null;
            cpu = processCpu(servers.map((s) => s.child.pid));
          },
        });
        const side: Side = { perSecond: load.rps, items: load.responses, serverS: cpu(), pgS: null };
        // Set by beforeMeasure whenever pg is given.
        if (pg) side.pgS = await pgCpu!();
        if (load.non2xx || load.errors) notes.push(`${name}: ${load.non2xx} non-2xx, ${load.errors} errors`);
        return { side, load };
      };
      const base = await measure([embedded], polled.embedded, null);
      const ours = await measure(fleet.replicas, polled.fleet, database.local ? database : null);
      rows.push(
        { case: name, metric: 'throughput', unit: 'req/s', value: ours.side.perSecond, baseline: base.side.perSecond },
        { case: name, metric: 'p50', unit: 'ms', value: ours.load.p50, baseline: base.load.p50 },
        { case: name, metric: 'p99', unit: 'ms', value: ours.load.p99, baseline: base.load.p99 },
        ...cpuRows(name, 'µs/req', ours.side, base.side),
      );
    }
  }
  notes.push(
    `API: ${warmupS} s warm-up then ${durationS} s per run, closed loop, connections split evenly over the ` +
      `${REPLICAS} replicas (one also reaps); GET polls a SUCCESS task; POST with no workers anywhere`,
  );
  return rows;
}

/**
 * Server CPU (every Vidforge process of the side), the PostgreSQL backends' CPU (the fleet only),
 * and both together: the fleet's whole cost per item against the embedded process, whose SQLite
 * work is inside its own CPU time.
 */
function cpuRows(name: string, unit: string, fleet: Side, embedded: Side): Row[] {
  const per = (seconds: number, side: Side) => (seconds * 1e6) / side.items;
  const rows: Row[] = [
    {
      case: name,
      metric: 'server CPU',
      unit,
      value: per(fleet.serverS, fleet),
      baseline: per(embedded.serverS, embedded),
    },
  ];
  if (fleet.pgS !== null) {
    rows.push(
      { case: name, metric: 'PostgreSQL CPU', unit, value: per(fleet.pgS, fleet), baseline: null },
      {
        case: name,
        metric: 'server + PostgreSQL CPU',
        unit,
        value: per(fleet.serverS + fleet.pgS, fleet),
        baseline: per(embedded.serverS, embedded),
      },
    );
  }
  return rows;
}
