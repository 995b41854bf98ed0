/**
 * The runner loop against a scripted loopback server: what it sends for each outcome of a task
 * (success, executor errors, cancellation, shutdown, a revoked token). The real server and real
 * runner processes are tested in apps/cli/test/runner.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunner, type Executor, ExecutorError, RunnerClient, type RunnerOptions } from '../src/index.ts';
import { apiError, claimedTask, json, type Stub, type StubRequest, startStub } from './support/stub-server.ts';

let stub: Stub | undefined;
let workRoot: string;
beforeAll(async () => {
  workRoot = await mkdtemp(join(tmpdir(), 'vidforge-runner-loop-'));
});
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});
afterAll(async () => {
  await rm(workRoot, { recursive: true, force: true });
});

const VIDEO = { width: 16, height: 16, fps: 24, durationSeconds: 1, hasAudio: false };
const quiet = { info() {}, warn() {}, error() {} };

/**
 * A fake server that hands out `task` once, then answers claims with no task; `onTaskCall` may
 * override the answer of any call about the task.
 */
async function fakeServer(
  task: Record<string, unknown>,
  onTaskCall: (req: StubRequest) => { status: number; body: unknown } | undefined = () => undefined,
  /** Answers to calls whose path ends with a key come this many ms late. */
  delays: Record<string, number> = {},
) {
  let handedOut = false;
  stub = await startStub(async (req, res) => {
    if (req.url.endsWith('/claim')) {
      if (handedOut) {
        await new Promise((r) => setTimeout(r, 20));
        return json(res, 200, { task: null });
      }
      handedOut = true;
      return json(res, 200, { task });
    }
    if (req.url.startsWith('/source')) {
      res.writeHead(200, { 'content-type': 'image/png' });
      return res.end('PNGDATA');
    }
    const delay = Object.entries(delays).find(([suffix]) => req.url.endsWith(suffix))?.[1];
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const override = onTaskCall(req);
    if (override) return json(res, override.status, override.body);
    if (req.url.endsWith('/heartbeat')) return json(res, 200, { cancelled: false, leaseExpiresAt: Date.now() + 1000 });
    if (req.url.endsWith('/output')) return json(res, 200, { size: req.body.length, video: VIDEO });
    if (req.url.endsWith('/complete')) return json(res, 200, { status: 'SUCCESS' });
    return json(res, 200, { status: 'PENDING' });
  });
  return stub;
}

function runnerWith(executor: Executor, options: Partial<RunnerOptions> = {}) {
  const client = new RunnerClient({ serverUrl: stub!.url, token: 'vfr_t', taskRetryBaseMs: 5 });
  return createRunner({ client, executor, workRoot, log: quiet, claimWaitMs: 0, progressIntervalMs: 10, ...options });
}

const callsAbout = (s: Stub) => s.requests.filter((r) => r.url.startsWith('/v1/runner/tasks/'));
const actions = (s: Stub) => callsAbout(s).map((r) => r.url.split('/').at(-1));
const bodyOf = (r: StubRequest | undefined) => JSON.parse(r!.body.toString());

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An executor that reports progress in steps and writes a small output file. */
const working: Executor = {
  async run(_task, ctx) {
    for (const p of [0.2, 0.5, 0.8]) {
      ctx.progress(p, `step ${p}`);
      await new Promise((r) => setTimeout(r, 40));
    }
    const path = join(ctx.workDir, 'out.mp4');
    await writeFile(path, 'MP4BYTES');
    return { path, contentType: 'video/mp4', video: VIDEO };
  },
};

describe('the runner loop', () => {
  it('runs a task: heartbeats with rising progress, upload, complete; the work dir is removed', async () => {
    const server = await fakeServer(claimedTask({ heartbeatIntervalMs: 50 }));
    let seen: unknown;
    const runner = runnerWith({
      run: (task, ctx) => {
        seen = { task, workDir: ctx.workDir };
        return working.run(task, ctx);
      },
    });
    const started = runner.start();
    await until(() => actions(server).includes('complete'));
    expect(await runner.stop(1000)).toEqual({ reason: 'stopped' });
    await started;
    expect(seen).toMatchObject({
      task: {
        id: 'task-1',
        request: { type: 'generate', body: { prompt: 'A red kite' } },
        seed: 42,
        attempt: 1,
        endpointSettings: { family: 'preview' },
      },
    });
    const progress = callsAbout(server)
      .filter((r) => r.url.endsWith('/heartbeat'))
      .map((r) => bodyOf(r).progress);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect([...progress].sort()).toEqual(progress);
    const sent = actions(server);
    expect(sent.filter((action) => action !== 'heartbeat').slice(-2)).toEqual(['output', 'complete']);
    expect(sent.lastIndexOf('heartbeat')).toBeLessThan(sent.indexOf('complete'));
    expect(callsAbout(server).every((r) => r.headers['vidforge-lease-token'] === 'lease-1')).toBe(true);
    expect(await readdir(workRoot)).toEqual([]);
  });

  it('sends no heartbeat once it completes: one answered after the commit would say the lease was lost', async () => {
    let completed = false;
    // Slow heartbeats, so that one is in flight when the upload ends; after the commit the lease is gone.
    const server = await fakeServer(
      claimedTask({ heartbeatIntervalMs: 20 }),
      (req) => {
        if (req.url.endsWith('/complete')) completed = true;
        if (req.url.endsWith('/heartbeat') && completed) return { status: 409, body: apiError('LEASE_LOST', 'gone') };
        return undefined;
      },
      { '/heartbeat': 150 },
    );
    const lines: string[] = [];
    const log = {
      info: (m: string) => lines.push(m),
      warn: (m: string) => lines.push(m),
      error: (m: string) => lines.push(m),
    };
    const runner = runnerWith(working, { log });
    void runner.start();
    await until(() => actions(server).includes('complete'));
    await new Promise((r) => setTimeout(r, 300));
    await runner.stop(0);
    expect(lines.some((line) => line.includes('succeeded'))).toBe(true);
    expect(lines.filter((line) => line.includes('lease lost'))).toEqual([]);
    const sent = actions(server);
    expect(sent.lastIndexOf('heartbeat')).toBeLessThan(sent.indexOf('complete'));
  });

  it('downloads the source only when asked, as the claim described it', async () => {
    // The source URL needs the server's port: filled in once it listens, before the claim.
    const source = { kind: 'image', url: '', contentType: 'image/png', size: 7 };
    const server = await fakeServer(claimedTask({ source }));
    source.url = `${server.url}/source/task-1`;
    let local: unknown;
    const runner = runnerWith({
      async run(task, ctx) {
        local = await ctx.source();
        expect(await ctx.source()).toBe(local);
        return working.run(task, ctx);
      },
    });
    void runner.start();
    await until(() => actions(server).includes('complete'));
    await runner.stop(0);
    expect(local).toMatchObject({ kind: 'image', contentType: 'image/png', size: 7 });
    expect(server.requests.filter((r) => r.url.startsWith('/source'))).toHaveLength(1);
  });

  it.each([
    [
      'an ExecutorError keeps its code, message and retryable',
      new ExecutorError('SOURCE_INVALID', 'the image is corrupt', { retryable: false }),
      { code: 'SOURCE_INVALID', message: 'the image is corrupt', retryable: false },
    ],
    [
      'an unknown error is a retryable ENGINE_FAILED without internals',
      new Error('ECONNRESET at /secret/path'),
      { code: 'ENGINE_FAILED', message: 'The engine failed unexpectedly while making the video', retryable: true },
    ],
    [
      "a retryable error's retry-after is passed on for the server's retry policy",
      new ExecutorError('ENGINE_UNAVAILABLE', 'GPU busy', { retryable: true, retryAfterMs: 5000 }),
      { code: 'ENGINE_UNAVAILABLE', message: 'GPU busy', retryable: true, retryAfterMs: 5000 },
    ],
    [
      'a code a runner may not send becomes ENGINE_FAILED',
      Object.assign(new Error('gave up'), { code: 'CANCELLED', retryable: false }),
      { code: 'ENGINE_FAILED', message: 'gave up', retryable: false },
    ],
  ])('fails the task: %s', async (_name, thrown, expected) => {
    const server = await fakeServer(claimedTask());
    const runner = runnerWith({
      run: async () => {
        throw thrown;
      },
    });
    void runner.start();
    await until(() => actions(server).includes('fail'));
    await runner.stop(0);
    expect(bodyOf(callsAbout(server).find((r) => r.url.endsWith('/fail')))).toEqual(expected);
  });

  it('an output larger than the task allows is failed as OUTPUT_INVALID without uploading', async () => {
    const server = await fakeServer(claimedTask({ output: { contentType: 'video/mp4', maxBytes: 4 } }));
    const runner = runnerWith(working);
    void runner.start();
    await until(() => actions(server).includes('fail'));
    await runner.stop(0);
    expect(actions(server)).not.toContain('output');
    expect(bodyOf(callsAbout(server).find((r) => r.url.endsWith('/fail')))).toMatchObject({
      code: 'OUTPUT_INVALID',
      retryable: false,
    });
  });

  it.each([
    ['the heartbeat says cancelled', { status: 200, body: { cancelled: true, leaseExpiresAt: null } }],
    ['the heartbeat says LEASE_LOST', { status: 409, body: apiError('LEASE_LOST', 'reaped') }],
  ])('stops the executor and sends nothing more when %s', async (_name, answer) => {
    const server = await fakeServer(claimedTask(), (req) => (req.url.endsWith('/heartbeat') ? answer : undefined));
    let aborted: unknown;
    const runner = runnerWith({
      run: (_task, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.progress(0.1);
          ctx.signal.addEventListener('abort', () => {
            aborted = ctx.signal.reason;
            reject(ctx.signal.reason);
          });
        }),
    });
    void runner.start();
    await until(() => aborted !== undefined);
    await new Promise((r) => setTimeout(r, 100));
    await runner.stop(0);
    expect(actions(server).filter((a) => a !== 'heartbeat')).toEqual([]);
  });

  it('stop() gives a running task back with abort after the grace period; start() resolves', async () => {
    const server = await fakeServer(claimedTask());
    let running = false;
    const runner = runnerWith({
      run: (_task, ctx) =>
        new Promise((_resolve, reject) => {
          running = true;
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }),
    });
    const started = runner.start();
    await until(() => running);
    const t0 = Date.now();
    expect(await runner.stop(200)).toEqual({ reason: 'stopped' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(await started).toEqual({ reason: 'stopped' });
    const abort = callsAbout(server).find((r) => r.url.endsWith('/abort'));
    expect(bodyOf(abort)).toEqual({ reason: 'runner stopping' });
    expect(actions(server)).not.toContain('fail');
  });

  it('a revoked token (401) stops the runner with the reason', async () => {
    stub = await startStub((_req, res) => json(res, 401, apiError('UNAUTHORIZED', 'unknown or revoked runner token')));
    const runner = runnerWith(working, { concurrency: 3 });
    const exit = await runner.start();
    expect(exit).toMatchObject({ reason: 'unauthorized', error: { code: 'UNAUTHORIZED' } });
  });

  it('a claim the server forbids (403) stops the runner as refused', async () => {
    stub = await startStub((_req, res) => json(res, 403, apiError('FORBIDDEN', 'engine wan is not allowed')));
    const exit = await runnerWith(working, { engines: ['wan'] }).start();
    expect(exit).toMatchObject({ reason: 'refused', error: { status: 403 } });
    expect(JSON.parse(stub.requests[0]!.body.toString())).toMatchObject({ engines: ['wan'] });
  });
});
