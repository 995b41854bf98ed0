/**
 * The presigned-PUT path of the runner loop against a scripted loopback server that plays both the
 * Vidforge server and the object store: what goes to the store (signed headers, no token), retries
 * on 5xx and dropped connections, the fallback to the API upload, and a rejection by the server
 * that ends the attempt without another word. The real server and moto: apps/cli/test/runner.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunner, type Executor, RunnerClient } from '../src/index.ts';
import { apiError, claimedTask, json, type Stub, type StubRequest, startStub } from './support/stub-server.ts';

let stub: Stub | undefined;
let workRoot: string;
beforeAll(async () => {
  workRoot = await mkdtemp(join(tmpdir(), 'vidforge-runner-store-'));
});
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});
afterAll(async () => {
  await rm(workRoot, { recursive: true, force: true });
});

const VIDEO = { width: 16, height: 16, fps: 24, durationSeconds: 1, hasAudio: false };
const BYTES = 'MP4BYTES'.repeat(1000);
const SIGNED = { 'content-type': 'video/mp4', 'if-none-match': '*' };

const writing: Executor = {
  async run(_task, ctx) {
    const path = join(ctx.workDir, 'out.mp4');
    await writeFile(path, BYTES);
    return { path, contentType: 'video/mp4', video: VIDEO };
  },
};

type Answer = { status: number; body?: unknown } | 'drop';

/**
 * Hands out one task whose upload URL points at `/store/…` of the same stub. `store` answers each
 * PUT there (by its index among them), `uploaded` the POST …/uploaded.
 */
async function run(options: {
  store?: (index: number) => Answer;
  uploaded?: () => Answer;
  upload?: Record<string, unknown> | null;
}) {
  let handedOut = false;
  let puts = 0;
  const logs: string[] = [];
  stub = await startStub(async (req, res) => {
    const answer = (a: Answer) => (a === 'drop' ? res.destroy() : json(res, a.status, a.body ?? ''));
    if (req.url.endsWith('/claim')) {
      if (handedOut) {
        await new Promise((r) => setTimeout(r, 20));
        return json(res, 200, { task: null });
      }
      handedOut = true;
      const upload =
        options.upload === undefined
          ? {
              method: 'PUT',
              url: `${stub!.url}/store/results/task-1/1.mp4?X-Amz-Signature=abc`,
              headers: SIGNED,
              expiresAt: Date.now() + 60_000,
            }
          : options.upload;
      const task = claimedTask();
      return json(res, 200, { task: { ...task, output: { ...task.output, upload } } });
    }
    if (req.url.startsWith('/store/')) return answer(options.store?.(puts++) ?? { status: 200 });
    if (req.url.endsWith('/uploaded'))
      return answer(options.uploaded?.() ?? { status: 200, body: { size: BYTES.length, video: VIDEO } });
    if (req.url.endsWith('/output')) return json(res, 200, { size: req.body.length, video: VIDEO });
    if (req.url.endsWith('/complete')) return json(res, 200, { status: 'SUCCESS' });
    if (req.url.endsWith('/heartbeat')) return json(res, 200, { cancelled: false, leaseExpiresAt: Date.now() + 1000 });
    return json(res, 200, { status: 'PENDING' });
  });
  const client = new RunnerClient({ serverUrl: stub.url, token: 'vfr_t', taskRetryBaseMs: 5 });
  const log = {
    info: (m: string) => logs.push(m),
    warn: (m: string) => logs.push(m),
    error: (m: string) => logs.push(m),
  };
  const runner = createRunner({ client, executor: writing, workRoot, log, claimWaitMs: 0, progressIntervalMs: 10 });
  const started = runner.start();
  const deadline = Date.now() + 5000;
  while (!logs.some((line) => /task task-1 (succeeded|failed)|send nothing more|refused the uploaded/.test(line))) {
    if (Date.now() > deadline) throw new Error(`the task did not end:\n${logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await runner.stop(1000);
  await started;
  const requests = stub.requests.filter((r) => !r.url.endsWith('/claim') && !r.url.endsWith('/heartbeat'));
  return { requests, logs, steps: requests.map(step) };
}

const step = (r: StubRequest) => (r.url.startsWith('/store/') ? 'PUT store' : r.url.split('/').at(-1)!);

describe('uploading to the object store', () => {
  it('PUTs the file with the signed headers and no token, then uploaded and complete; no API upload', async () => {
    const { requests, steps, logs } = await run({});
    expect(steps).toEqual(['PUT store', 'uploaded', 'complete']);
    const [put, uploaded] = requests;
    expect(put).toMatchObject({ method: 'PUT', url: '/store/results/task-1/1.mp4?X-Amz-Signature=abc' });
    expect(put!.headers).toMatchObject({ ...SIGNED, 'content-length': String(BYTES.length) });
    expect(put!.headers.authorization).toBeUndefined();
    expect(put!.headers['vidforge-lease-token']).toBeUndefined();
    expect(put!.body.toString()).toBe(BYTES);
    expect(uploaded!.headers['vidforge-lease-token']).toBe('lease-1');
    expect(logs).toContain(`task task-1 uploaded to the object store: ${BYTES.length} bytes, 16x16, 1 s`);
  });

  it('retries the PUT after 5xx and a dropped connection, sending the whole file each time', async () => {
    const { requests, steps } = await run({
      store: (i) =>
        i === 0 ? { status: 503, body: '<Error><Code>SlowDown</Code></Error>' } : i === 1 ? 'drop' : { status: 200 },
    });
    expect(steps).toEqual(['PUT store', 'PUT store', 'PUT store', 'uploaded', 'complete']);
    expect(requests.filter((r) => r.url.startsWith('/store/')).every((r) => r.body.toString() === BYTES)).toBe(true);
  });

  it('takes 412 (the object exists: an earlier PUT arrived) as stored', async () => {
    const { steps } = await run({ store: () => ({ status: 412 }) });
    expect(steps).toEqual(['PUT store', 'uploaded', 'complete']);
  });

  it('falls back to the API upload when the store refuses (4xx) or keeps failing (5xx)', async () => {
    const refused = await run({ store: () => ({ status: 403, body: '<Error><Code>AccessDenied</Code></Error>' }) });
    expect(refused.steps).toEqual(['PUT store', 'output', 'complete']);
    expect(refused.logs.join('\n')).toMatch(
      /STORE_REFUSED: the object store refused the upload: HTTP 403 AccessDenied/,
    );
    await stub?.close();
    const failing = await run({ store: () => ({ status: 500 }) });
    expect(failing.steps).toEqual(['PUT store', 'PUT store', 'PUT store', 'PUT store', 'output', 'complete']);
  });

  it('falls back to the API upload when the server finds no object (OUTPUT_MISSING)', async () => {
    const { steps } = await run({ uploaded: () => ({ status: 409, body: apiError('OUTPUT_MISSING', 'nothing') }) });
    expect(steps).toEqual(['PUT store', 'uploaded', 'output', 'complete']);
  });

  it('sends nothing more when the server refused the object (it failed the attempt itself)', async () => {
    for (const [status, code] of [
      [422, 'OUTPUT_INVALID'],
      [413, 'PAYLOAD_TOO_LARGE'],
    ] as const) {
      const { steps, logs } = await run({ uploaded: () => ({ status, body: apiError(code, 'bad object') }) });
      expect(steps, code).toEqual(['PUT store', 'uploaded']);
      expect(logs.join('\n')).toMatch(new RegExp(`failed the attempt: ${code}: bad object`));
      await stub?.close();
    }
  });

  it('uses the API upload when no URL is offered, it is about to expire, or it is not http(s)', async () => {
    const soon = { method: 'PUT', url: 'http://127.0.0.1:9/x', headers: SIGNED, expiresAt: Date.now() + 1000 };
    for (const upload of [null, soon, { ...soon, url: 'file:///etc/passwd', expiresAt: Date.now() + 60_000 }]) {
      const { steps } = await run({ upload });
      expect(steps, JSON.stringify(upload)).toEqual(['output', 'complete']);
      await stub?.close();
    }
  });
});
