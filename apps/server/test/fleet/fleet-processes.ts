/**
 * A fleet on one machine, as separate OS processes the way an operator runs them: API replicas,
 * worker processes and the reference runner over one PostgreSQL database and one S3 bucket. Each
 * process has its own data directory, so nothing is shared but what the fleet shares.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type ChildServer, spawnServer } from '../process/child-server.ts';
import { adminQuery, TEST_DATABASE_URL } from '../support/postgres.ts';
import { s3Env, type TestS3 } from '../support/s3-server.ts';
import { tempDir } from '../support/temp-dir.ts';

const BIN = fileURLToPath(new URL('../../../cli/bin/vidforge.js', import.meta.url));

/** A database of its own (dropped at cleanup): child processes connect by URL alone. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `vf_fleet_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`).then(() => {}),
  };
}

export interface FleetOptions {
  databaseUrl: string;
  s3: TestS3;
  bucket: string;
  /** More settings for every process. */
  env?: Record<string, string>;
}

export function createFleet(options: FleetOptions) {
  const shared: Record<string, string> = {
    VIDFORGE_DATABASE_URL: options.databaseUrl,
    VIDFORGE_DATABASE_POOL_SIZE: '4',
    ...s3Env(options.s3, options.bucket),
    VIDFORGE_SIGNING_SECRETS: `fleet:${randomBytes(33).toString('base64url')}`,
    VIDFORGE_ENABLE_TEST_ENGINE: 'true',
    ...options.env,
  };
  const dirs: { remove(): Promise<void> }[] = [];
  const children = new Set<ChildProcess>();

  async function dataDir(): Promise<string> {
    const dir = await tempDir('vidforge-fleet-');
    dirs.push(dir);
    return dir.path;
  }

  return {
    env: shared,

    /** A `vidforge` admin command against the fleet's database; its --json output. */
    async admin(args: string[]): Promise<any> {
      const env = { ...process.env, ...shared, VIDFORGE_DATA_DIR: await dataDir() };
      return JSON.parse(execFileSync(process.execPath, [BIN, ...args, '--json'], { env }).toString());
    },

    /** `vidforge serve --role ROLES` with its own data directory; `env` adds to the fleet's settings. */
    async serve(roles: string, env: Record<string, string> = {}): Promise<ChildServer> {
      const server = await spawnServer({ ...shared, VIDFORGE_DATA_DIR: await dataDir(), ...env }, ['--role', roles]);
      children.add(server.child);
      return server;
    },

    /** The reference runner against `serverUrl`. */
    async runner(serverUrl: string, token: string, args: string[] = []): Promise<ChildProcess & { output(): string }> {
      const child = spawn(process.execPath, [BIN, 'runner', '--server', serverUrl, ...args], {
        env: { ...process.env, ...shared, VIDFORGE_RUNNER_TOKEN: token },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      children.add(child);
      let output = '';
      child.stderr!.on('data', (d) => {
        output += d;
      });
      return Object.assign(child, { output: () => output });
    },

    async stop(): Promise<void> {
      await Promise.all(
        [...children].map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGKILL');
          await exited;
        }),
      );
      for (const dir of dirs) await dir.remove();
    },
  };
}

export type Fleet = ReturnType<typeof createFleet>;
