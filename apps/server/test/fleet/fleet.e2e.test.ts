/**
 * The fleet, as separate OS processes on one PostgreSQL database and one S3 server (moto): two API
 * replicas, two worker processes (which also reap) and the reference runner. 200 tasks are
 * submitted across both replicas and each is polled on the other one, while one replica, one worker
 * and the runner are killed with SIGKILL mid-work and started again. Every accepted task must end
 * SUCCESS with exactly one successful attempt, every result must download from its presigned URL
 * (test-engine results byte for byte, preview results probed as the requested video), and once the
 * orphan sweep has run the bucket must hold exactly the committed results.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/adapters/blob-s3/s3-client.ts';
import { MIGRATIONS as POSTGRES_MIGRATIONS } from '../../src/adapters/postgres/migrations/index.ts';
import { probe } from '../engines/preview-helpers.ts';
import { downloadTo } from '../media/e2e-support.ts';
import type { ChildServer } from '../process/child-server.ts';
import { startTestS3, type TestS3 } from '../support/s3-server.ts';
import { createFleet, createTestDatabase, type Fleet } from './fleet-processes.ts';

const TEST_TASKS = 194;
const PREVIEW_TASKS = 3;
const REMOTE_TASKS = 3;
const TOTAL = TEST_TASKS + PREVIEW_TASKS + REMOTE_TASKS;

let s3: TestS3;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let fleet: Fleet;
let db: pg.Client;
let downloads: string;

beforeAll(async () => {
  s3 = await startTestS3();
  database = await createTestDatabase();
  downloads = await mkdtemp(join(tmpdir(), 'vidforge-fleet-dl-'));
  fleet = createFleet({
    databaseUrl: database.url,
    s3,
    bucket: await s3.createBucket(),
    env: { VIDFORGE_LEASE_MS: '2000', VIDFORGE_ORPHAN_SWEEP_INTERVAL_MS: '500', VIDFORGE_POLL_INTERVAL_MS: '500' },
  });
  db = new pg.Client({ connectionString: database.url });
  db.on('error', () => {});
}, 60_000);

afterAll(async () => {
  await db?.end().catch(() => {});
  await fleet?.stop();
  await database?.drop();
  await s3?.stop();
  if (downloads) await rm(downloads, { recursive: true, force: true });
}, 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, check: () => Promise<T | undefined | null | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function rows<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  return (await db.query<R>(text, values)).rows;
}

/** The seed API of a replica; a connection refused (a killed replica) is null, not a throw. */
async function call(server: ChildServer, key: string, method: string, path: string, body?: unknown, idem?: string) {
  try {
    const response = await fetch(`${server.url}/v1/ai/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(idem ? { 'idempotency-key': idem } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  } catch {
    return null;
  }
}

/** What the test engine writes for a task: deterministic bytes, so two runs cannot differ unseen. */
function testEngineBytes(taskId: string, seed: number): Buffer {
  const block = createHash('sha256').update(`${taskId}:${seed}`).digest();
  const bytes = Buffer.alloc(64 * 1024);
  for (let i = 0; i < bytes.length; i += block.length) block.copy(bytes, i);
  return bytes;
}

describe('fleet mode on PostgreSQL and S3', () => {
  it('ends every accepted task SUCCESS exactly once through kill -9 of a replica, a worker and the runner', async () => {
    await fleet.admin(['migrate']);
    const testPath = (await fleet.admin(['endpoints', 'create', '--engine', 'test', '--path', 'fleettest'])).path;
    const previewPath = (await fleet.admin(['endpoints', 'create', '--engine', 'preview', '--path', 'fleetpreview']))
      .path;
    const remotePath = (
      await fleet.admin(['endpoints', 'create', '--engine', 'runner', '--family', 'preview', '--path', 'fleetremote'])
    ).path;
    const { key } = await fleet.admin([
      'keys',
      'create',
      '--endpoint',
      testPath,
      '--endpoint',
      previewPath,
      '--endpoint',
      remotePath,
    ]);
    const { token } = await fleet.admin(['runners', 'create', '--engines', 'preview', '--concurrency', '2']);

    const api: ChildServer[] = [await fleet.serve('api'), await fleet.serve('api')];
    const workerEnv = { VIDFORGE_WORKERS: '3' };
    const workers = [await fleet.serve('worker,reaper', workerEnv), await fleet.serve('worker,reaper', workerEnv)];
    await db.connect();
    // The runner talks to the replica that stays up; the other one is the one killed.
    let runner = await fleet.runner(api[1]!.url, token, ['--concurrency', '2']);

    const plan = Array.from({ length: TOTAL }, (_, i) => {
      if (i % 40 === 7 && i < 40 * PREVIEW_TASKS)
        return { path: previewPath, prompt: `A lighthouse ${i}`, probe: true };
      if (i % 40 === 27 && i < 40 * REMOTE_TASKS) return { path: remotePath, prompt: `A harbour ${i}`, probe: true };
      return { path: testPath, prompt: 'test: steps=6 stepMs=40', probe: false };
    });
    expect(plan.filter((p) => p.probe)).toHaveLength(PREVIEW_TASKS + REMOTE_TASKS);
    const accepted: { id: string; seed: number; path: string; probe: boolean; replica: number }[] = [];
    const alive = (i: number) => api[i]!.child.exitCode === null && api[i]!.child.signalCode === null;

    async function submit(i: number): Promise<void> {
      const { path, prompt, probe } = plan[i]!;
      const body = { prompt, settings: { seed: i, duration: 2, aspectRatio: '1:1' } };
      // A replica that died is replaced by the other one: the same Idempotency-Key makes the retry safe.
      for (let tries = 0; tries < 100; tries++) {
        const replica = (i + tries) % 2;
        const answer = await call(api[replica]!, key, 'POST', `${path}/video/generate`, body, `fleet-${i}`);
        if (answer?.status === 200) {
          accepted.push({ id: answer.body.taskId, seed: i, path, probe, replica });
          return;
        }
        await sleep(50);
      }
      throw new Error(`task ${i} was never accepted`);
    }

    let next = 0;
    const submitters = Array.from({ length: 6 }, async () => {
      while (next < TOTAL) await submit(next++);
    });
    // Three kills, each when its moment comes, whatever order the load brings them in.
    const killReplica = (async () => {
      // A replica dies mid-burst and comes back on another port.
      await until('60 submits', async () => accepted.length >= 60);
      api[0]!.child.kill('SIGKILL');
      await api[0]!.exited;
      await sleep(300);
      api[0] = await fleet.serve('api');
    })();
    const killWorker = (async () => {
      // A worker dies holding leases and is started again: it takes its predecessor's slot.
      await until('a worker with running tasks', async () => {
        const [slot] = await rows<{ pid: number }>(
          `select s.pid from worker_slots s join task_attempts a
             on a.worker_id like 'local:' || s.host || ':' || s.slot || ':%' and a.ended_at is null
           where s.pid = $1 limit 1`,
          [workers[0]!.child.pid],
        );
        return accepted.length >= 100 && slot;
      });
      workers[0]!.child.kill('SIGKILL');
      await workers[0]!.exited;
      workers[0] = await fleet.serve('worker,reaper', workerEnv);
    })();
    const killRunner = (async () => {
      // The runner dies mid-task; its lease runs out and the reaper gives the task to its successor.
      await until('the runner running a task', async () => {
        const open = await rows(`select 1 from task_attempts where worker_id like 'runner:%' and ended_at is null`);
        return open.length > 0;
      });
      runner.kill('SIGKILL');
      await sleep(300);
      runner = await fleet.runner(api[1]!.url, token, ['--concurrency', '2']);
    })();
    await Promise.all([...submitters, killReplica, killWorker, killRunner]);
    expect(accepted).toHaveLength(TOTAL);

    // Every task ends SUCCESS, seen through the replica it was not submitted to.
    const finished = new Map<string, Record<string, any>>();
    await until(
      'every task to finish',
      async () => {
        for (const task of accepted) {
          if (finished.has(task.id)) continue;
          const other = alive(1 - task.replica) ? 1 - task.replica : task.replica;
          const answer = await call(api[other]!, key, 'GET', `${task.path}/video/tasks/${task.id}`);
          if (answer?.status === 200 && (answer.body.status === 'SUCCESS' || answer.body.status === 'FAIL')) {
            finished.set(task.id, answer.body);
          }
        }
        return finished.size === TOTAL;
      },
      180_000,
    );
    const failed = [...finished.values()].filter((t) => t.status !== 'SUCCESS');
    expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([]);

    // Exactly once: one successful attempt per task, no task the client did not see.
    const succeeded = await rows<{ task_id: string; n: string }>(
      `select task_id, count(*) as n from task_attempts where outcome = 'succeeded' group by task_id`,
    );
    expect(succeeded.map((r) => r.task_id).sort()).toEqual(accepted.map((t) => t.id).sort());
    expect(succeeded.every((r) => Number(r.n) === 1)).toBe(true);
    // The kills interrupted work: some tasks needed a second attempt.
    const retried = await rows(`select 1 from tasks where attempts > 1`);
    expect(retried.length).toBeGreaterThan(0);

    // Every result downloads from its presigned URL.
    for (const task of accepted) {
      const view = finished.get(task.id)!;
      expect(view.mediaUrl.startsWith(`${s3.endpoint}/`)).toBe(true);
      if (task.probe) {
        const video = await probe(await downloadTo(downloads, view.mediaUrl));
        expect(video).toMatchObject({ codec: 'h264', width: video.height });
        expect(video.duration).toBeCloseTo(2, 0);
      } else {
        const bytes = Buffer.from(await (await fetch(view.mediaUrl)).arrayBuffer());
        expect(bytes.equals(testEngineBytes(task.id, task.seed)), `result of ${task.id}`).toBe(true);
      }
    }

    // After the orphan sweep the bucket holds exactly the committed results.
    const committed = (await rows<{ output_key: string }>(`select output_key from tasks`)).map((r) => r.output_key);
    const client = createS3Client({
      bucket: fleet.env.VIDFORGE_S3_BUCKET!,
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    const keys = async () => {
      const listed: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: fleet.env.VIDFORGE_S3_BUCKET,
            Prefix: 'results/',
            ContinuationToken: token,
          }),
        );
        for (const object of page.Contents ?? []) if (object.Key) listed.push(object.Key);
        token = page.NextContinuationToken;
      } while (token);
      return listed.sort();
    };
    await until(
      'the orphan sweep',
      async () => JSON.stringify(await keys()) === JSON.stringify(committed.sort()),
      20_000,
    );
    client.destroy();
  }, 300_000);
});

describe('fleet processes on one PostgreSQL database', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    while (cleanups.length) await cleanups.pop()!();
  }, 60_000);

  async function freshFleet(env: Record<string, string> = {}) {
    const database = await createTestDatabase();
    const bucket = await s3.createBucket();
    const fleet = createFleet({ databaseUrl: database.url, s3, bucket, env });
    const client = new pg.Client({ connectionString: database.url });
    client.on('error', () => {});
    cleanups.push(async () => {
      await client.end().catch(() => {});
      await fleet.stop();
      await database.drop();
    });
    await client.connect();
    const query = async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows;
    return { fleet, query };
  }

  it('two replicas starting at once on an empty database migrate it and set it up once', async () => {
    const { fleet, query } = await freshFleet();
    const [a, b] = await Promise.all([fleet.serve('api'), fleet.serve('api')]);
    expect(a.url && b.url).toBeTruthy();
    expect(await query('select version from schema_migrations')).toHaveLength(POSTGRES_MIGRATIONS.length);
    expect(await query('select id from endpoints')).toHaveLength(1);
    expect(await query('select id from access_keys')).toHaveLength(1);
    // Exactly one of them printed the first-run key.
    const banners = [a.output(), b.output()].filter((output) => /vf_[A-Za-z0-9_-]{20,}/.test(output));
    expect(banners).toHaveLength(1);
  }, 120_000);

  it('a cancel on one replica stops the task in a worker process beside another; a killed worker is replaced at once', async () => {
    // A lease far longer than the test: only the cancel, and the successor's reclaim, can end the work.
    const { fleet, query } = await freshFleet({ VIDFORGE_LEASE_MS: '60000' });
    await fleet.admin(['migrate']);
    const path = (await fleet.admin(['endpoints', 'create', '--engine', 'test', '--path', 'fleetcancel'])).path;
    const { key } = await fleet.admin(['keys', 'create', '--endpoint', path]);
    const [a, b] = [await fleet.serve('api'), await fleet.serve('api')];
    const workerEnv = { VIDFORGE_WORKERS: '1', VIDFORGE_LOG_LEVEL: 'info' };
    let worker = await fleet.serve('worker,reaper', workerEnv);
    const long = { prompt: 'test: steps=400 stepMs=50' };
    const running = async (server: ChildServer, id: string) =>
      until(`task ${id} running`, async () => {
        const answer = await call(server, key, 'GET', `${path}/video/tasks/${id}`);
        return answer?.body.status === 'IN_PROGRESS' && answer.body;
      });

    const first = (await call(a, key, 'POST', `${path}/video/generate`, long))!.body.taskId as string;
    await running(b, first);
    expect((await call(b, key, 'DELETE', `${path}/video/tasks/${first}`))?.body.status).toBe('FAIL');
    // The worker hears of it through its refused heartbeat, and stops.
    await until(
      'the worker to stop the cancelled task',
      async () =>
        worker.output().includes('task stopped: its lease ended elsewhere') && worker.output().includes(first),
    );

    // The one worker is free again: it takes the next task, and dies with it.
    const second = (await call(b, key, 'POST', `${path}/video/generate`, long))!.body.taskId as string;
    await running(a, second);
    worker.child.kill('SIGKILL');
    const killedAt = Date.now();
    await worker.exited;
    worker = await fleet.serve('worker,reaper', workerEnv);
    const [restarted] = await until('attempt 2 to start', async () => {
      const found = await query(`select started_at from task_attempts where task_id = $1 and attempt = 2`, [second]);
      return found.length > 0 && found;
    });
    const recoveryMs = Number(restarted.started_at) - killedAt;
    // Reported, not asserted against a figure: with a 60 s lease only the successor's reclaim can do this.
    console.log(`fleet: a killed worker's task restarted ${recoveryMs} ms after the kill (lease 60000 ms)`);
    expect(recoveryMs).toBeLessThan(60_000);
    expect((await call(a, key, 'DELETE', `${path}/video/tasks/${second}`))?.body.status).toBe('FAIL');
  }, 120_000);
});
