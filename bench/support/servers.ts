/** Starting the servers under test: Vidforge and the baseline server, each in a pinned child process. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_ACCESS } from './access.ts';
import type { BenchContext } from './context.ts';
import { ALL_CPUS, type NodeChild, pinProcess, SERVER_CPU, spawnNodeChild } from './processes.ts';

const VIDFORGE_CHILD = fileURLToPath(new URL('./vidforge-child.ts', import.meta.url));
const BASELINE_CHILD = fileURLToPath(new URL('./baseline-child.ts', import.meta.url));

export interface VidforgeServer {
  child: NodeChild;
  url: string;
  /** `${url}/v1/ai/<test endpoint>`: the deterministic test engine. */
  testBase: string;
  /** `${url}/v1/ai/<preview endpoint>`: the CPU preview engine. */
  previewBase: string;
  headers: Record<string, string>;
  dataDir: string;
  dbFile: string;
  stop(): Promise<void>;
}

export interface StartVidforgeOptions {
  dataDir: string;
  /** VIDFORGE_* settings on top of the bench defaults. */
  env?: Record<string, string>;
  /** Pinned to the server core unless null. */
  cpus?: string | null;
  /**
   * Start on any core and pin once ready: for servers started several at a time, whose start-up
   * (module loading, migrations) would otherwise queue on one core. Measured work runs pinned alike.
   */
  pinWhenReady?: boolean;
}

/**
 * The defaults an operator gets, except what a benchmark must fix: a loopback port, the test engine,
 * and short shutdown. Logging stays at the default level ("info"), written to /dev/null, because
 * operators pay for it too.
 */
const BENCH_ENV: Record<string, string> = {
  VIDFORGE_HOST: '127.0.0.1',
  VIDFORGE_PORT: '0',
  VIDFORGE_ENABLE_TEST_ENGINE: 'true',
  VIDFORGE_SHUTDOWN_GRACE_MS: '2000',
  // The submit rows pile up tens of thousands of PENDING tasks with no workers: with the queue
  // cap they would measure 503s. Its check walks at most the cap's entries of an index.
  VIDFORGE_MAX_PENDING_PER_ENGINE: '0',
};

export async function startVidforge(ctx: BenchContext, options: StartVidforgeOptions): Promise<VidforgeServer> {
  const cpus = options.cpus === undefined ? SERVER_CPU : options.cpus;
  const child = spawnNodeChild(VIDFORGE_CHILD, {
    // Children inherit the load generator's core unless told otherwise.
    cpus: options.pinWhenReady && cpus !== null ? ALL_CPUS : cpus,
    env: { ...BENCH_ENV, VIDFORGE_DATA_DIR: options.dataDir, ...options.env },
    nodeArgs: ctx.profileDir ? ['--cpu-prof', '--cpu-prof-dir', ctx.profileDir] : [],
  });
  const ready = await child.next<{ type: 'ready'; url: string }>('ready').catch(async (error) => {
    await child.stop();
    throw error;
  });
  if (options.pinWhenReady && cpus !== null) pinProcess(child.pid, cpus);
  return {
    child,
    url: ready.url,
    testBase: `${ready.url}/v1/ai/${BENCH_ACCESS.testEndpoint}`,
    previewBase: `${ready.url}/v1/ai/${BENCH_ACCESS.previewEndpoint}`,
    headers: { authorization: `Bearer ${BENCH_ACCESS.key}` },
    dataDir: options.dataDir,
    dbFile: join(options.dataDir, 'vidforge.db'),
    stop: () => child.stop(),
  };
}

export interface BaselineServer {
  child: NodeChild;
  url: string;
  /** Sets the JSON its task and submit routes return. */
  configure(taskJson: unknown, submitJson: unknown): Promise<void>;
  stop(): Promise<void>;
}

export async function startBaseline(options: { cpus?: string | null } = {}): Promise<BaselineServer> {
  const child = spawnNodeChild(BASELINE_CHILD, { cpus: options.cpus === undefined ? SERVER_CPU : options.cpus });
  const ready = await child.next<{ type: 'ready'; url: string }>('ready');
  return {
    child,
    url: ready.url,
    async configure(taskJson, submitJson) {
      const configured = child.next('configured');
      child.send({ type: 'config', taskJson, submitJson });
      await configured;
    },
    stop: () => child.stop(),
  };
}
