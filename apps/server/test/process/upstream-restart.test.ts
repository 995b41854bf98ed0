/**
 * The upstream engine across process deaths, with real processes: a front Vidforge killed with
 * SIGKILL while its upstream task runs resumes polling that task after a restart and never
 * submits it twice; an upstream killed mid-task makes the front's task fail clearly once the
 * retry policy gives up, with no hang. The credential never shows in listings or logs.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openAdmin } from '../../src/admin/index.ts';
import { startTestServer, type TestServer, tempDir } from '../support/index.ts';
import { prepareTestAccess, seedApi, spawnServer } from './child-server.ts';

const BIN = fileURLToPath(new URL('../../../cli/bin/vidforge.js', import.meta.url));
const SHAPES = ['haiper', 'openai'] as const;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

function settingsFor(shape: (typeof SHAPES)[number], url: string, endpointPath: string, credential: string) {
  const common = { credential, pollIntervalMs: 50, pollMaxIntervalMs: 200 };
  return shape === 'haiper'
    ? { kind: 'haiper', baseUrl: `${url}/v1/ai`, endpointPath, ...common }
    : { kind: 'openai', baseUrl: `${url}/v1`, model: endpointPath, ...common };
}

/** `vidforge ARGS --json` against a data directory, as an operator runs it. */
function cli(dataDir: string, args: string[]): { text: string; json: any } {
  const text = execFileSync(process.execPath, [BIN, ...args, '--json'], {
    env: { ...process.env, VIDFORGE_DATA_DIR: dataDir },
  }).toString();
  return { text, json: JSON.parse(text) };
}

async function upstreamTasks(upstream: TestServer, path: string): Promise<any[]> {
  const { body } = await upstream.call('GET', `${upstream.basePath}/${path}/video/tasks?limit=100`);
  return body.tasks;
}

describe.each(SHAPES)('upstream engine across a restart of the front, %s shape', (shape) => {
  it('resumes polling the same upstream task after kill -9 and submits it once', async () => {
    // One worker upstream, busy with a blocker first: the front's task waits there long enough to kill the front.
    const upstream = await startTestServer({ env: { VIDFORGE_WORKERS: '1' } });
    cleanups.push(() => upstream.stop());
    const before = (await upstreamTasks(upstream, upstream.previewEndpointPath)).length;
    const blocker = await upstream.call('POST', '/video/generate', { prompt: 'test: steps=20 stepMs=100' });
    expect(blocker.status).toBe(200);

    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    const settings = settingsFor(shape, upstream.url, upstream.previewEndpointPath, upstream.key);
    const created = cli(dir.path, [
      'endpoints',
      'create',
      '--engine',
      'upstream',
      '--path',
      'upfront',
      '--settings',
      JSON.stringify(settings),
    ]);
    expect(created.json.settings.credential).toBe('***');
    const listed = cli(dir.path, ['endpoints', 'list']);
    expect(listed.text).not.toContain(upstream.key);
    expect(listed.json.find((e: any) => e.path === 'upfront').settings).toEqual({ ...settings, credential: '***' });
    const { key } = cli(dir.path, ['keys', 'create', '--endpoint', 'upfront']).json;

    // A lease far longer than the test: only the restarted server's takeover can resume the task.
    const env = {
      VIDFORGE_DATA_DIR: dir.path,
      VIDFORGE_LEASE_MS: '120000',
      VIDFORGE_WORKERS: '1',
      VIDFORGE_LOG_LEVEL: 'debug',
    };
    const first = await spawnServer(env);
    const api = seedApi(first.url, 'upfront', key);
    const { taskId } = await api.call('generate', {
      prompt: 'A lighthouse',
      settings: { duration: 2, aspectRatio: '1:1' },
    });
    expect(taskId).toBeTypeOf('string');

    // Kill once the upstream task exists and the front has checkpointed its id.
    const db = new DatabaseSync(join(dir.path, 'vidforge.db'), { readOnly: true });
    const stateOf = () =>
      (db.prepare('SELECT engine_state FROM tasks WHERE id = ?').get(taskId) as { engine_state: string | null })
        .engine_state;
    const deadline = Date.now() + 20_000;
    while (!stateOf()?.includes('upstreamId') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const checkpointed = JSON.parse(stateOf() ?? '{}');
    db.close();
    expect(checkpointed.upstreamId).toBeTypeOf('string');
    const mirrored = await upstreamTasks(upstream, upstream.previewEndpointPath);
    expect(mirrored[0]).toMatchObject({ taskId: checkpointed.upstreamId });
    expect(['PENDING', 'IN_PROGRESS']).toContain(mirrored[0].status);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await spawnServer(env);
    let task: Record<string, any>;
    try {
      task = await seedApi(second.url, 'upfront', key).until(taskId, ['SUCCESS', 'FAIL'], 1200);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    expect(task.status, JSON.stringify(task)).toBe('SUCCESS');
    expect(task.video).toMatchObject({ width: 720, height: 720 });
    const after = await upstreamTasks(upstream, upstream.previewEndpointPath);
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ taskId: checkpointed.upstreamId, status: 'SUCCESS' });

    const check = new DatabaseSync(join(dir.path, 'vidforge.db'), { readOnly: true });
    const attempts = check
      .prepare('SELECT attempt, outcome FROM task_attempts WHERE task_id = ? ORDER BY attempt')
      .all(taskId);
    check.close();
    expect(attempts.map((a: any) => a.outcome)).toEqual(['retry', 'succeeded']);
    // Debug logs of both runs, with every request and task line: no credential.
    for (const output of [first.output(), second.output()]) {
      expect(output).toContain(taskId);
      expect(output).not.toContain(upstream.key);
    }
  });
});

describe.each(SHAPES)('upstream engine when the upstream dies, %s shape', (shape) => {
  it('fails the task clearly once the retry policy gives up, without hanging', async () => {
    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    const access = prepareTestAccess(dir.path);
    const upstream = await spawnServer({ VIDFORGE_DATA_DIR: dir.path });
    cleanups.push(async () => {
      upstream.child.kill('SIGKILL');
      await upstream.exited;
    });

    const front = await startTestServer();
    cleanups.push(() => front.stop());
    const { admin, close } = await openAdmin(front.config);
    const endpoint = await admin.createEndpoint({
      engine: 'upstream',
      settings: settingsFor(shape, upstream.url, access.endpointPath, access.key),
    });
    const { key } = await admin.createKey({ endpoints: [endpoint.path] });
    await close();
    const api = seedApi(front.url, endpoint.path, key);
    const { taskId } = await api.call('generate', { prompt: 'test: steps=200 stepMs=100' });
    let task = await api.until(taskId, ['IN_PROGRESS'], 200);
    while (task.progress === 0) task = await api.until(taskId, ['IN_PROGRESS'], 200);

    upstream.child.kill('SIGKILL');
    await upstream.exited;
    const started = Date.now();
    task = await api.until(taskId, ['SUCCESS', 'FAIL'], 300);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(task.status).toBe('FAIL');
    expect(task.error.code).toBe('ENGINE_UNAVAILABLE');
    expect(task.error.message).toMatch(/the upstream is unreachable \(poll: ECONNREFUSED\)/);
  });
});
