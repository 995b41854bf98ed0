/**
 * A fleet on this machine for the bench: API replicas and worker processes, each a `vidforge
 * serve --role …` child with its own data directory, sharing one PostgreSQL database. Results stay
 * local (each worker's data directory): the bench polls tasks and never downloads a result, so an
 * object store would only add a third server to the picture.
 */
import { randomBytes } from 'node:crypto';
import { type BenchContext, scratchDir } from './context.ts';
import { startVidforge, type VidforgeServer } from './servers.ts';

export interface BenchFleet {
  replicas: VidforgeServer[];
  workers: VidforgeServer[];
  /** Every process of the fleet now running (CPU meters sum over these). */
  pids(): number[];
  stopWorkers(): Promise<void>;
  stop(): Promise<void>;
}

export interface FleetShape {
  replicas: number;
  workerProcesses: number;
  /** In-process workers of each worker process. */
  workersEach: number;
}

export async function startFleet(ctx: BenchContext, databaseUrl: string, shape: FleetShape): Promise<BenchFleet> {
  const shared = {
    VIDFORGE_DATABASE_URL: databaseUrl,
    // Replicas sign media URLs that any of them must accept, as in a real fleet.
    VIDFORGE_SIGNING_SECRETS: `bench:${randomBytes(33).toString('base64url')}`,
  };
  const start = async (role: string, env: Record<string, string> = {}) =>
    startVidforge(ctx, {
      dataDir: await scratchDir(ctx, `fleet-${role.replace(',', '-')}`),
      env: { ...shared, VIDFORGE_ROLE: role, ...env },
      pinWhenReady: true,
    });
  const replicas: VidforgeServer[] = [];
  const workers: VidforgeServer[] = [];
  const stopAll = (list: VidforgeServer[]) => Promise.all(list.splice(0).map((p) => p.stop()));
  const into = async (list: VidforgeServer[], started: Promise<VidforgeServer>) => {
    list.push(await started);
  };
  try {
    // The first replica alone: it migrates the database and creates the bench's endpoints and key;
    // the others start together and find them. It also reaps, as one process of a fleet does at a
    // time (the advisory lock).
    await into(replicas, start('api,reaper'));
    const rest = [
      ...Array.from({ length: shape.replicas - 1 }, () => into(replicas, start('api'))),
      ...Array.from({ length: shape.workerProcesses }, () =>
        into(workers, start('worker', { VIDFORGE_WORKERS: String(shape.workersEach) })),
      ),
    ];
    // Every start settles before a failure is reported, so none is left running.
    const failed = (await Promise.allSettled(rest)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (error) {
    await Promise.all([stopAll(workers), stopAll(replicas)]);
    throw error;
  }
  return {
    replicas,
    workers,
    pids: () => [...replicas, ...workers].map((p) => p.child.pid),
    stopWorkers: () => stopAll(workers).then(() => {}),
    stop: () => Promise.all([stopAll(workers), stopAll(replicas)]).then(() => {}),
  };
}
