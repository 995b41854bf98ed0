/**
 * The protocol client against a scripted loopback server: what it sends, and what it makes of
 * answers that are malformed, hostile, huge, slow or dropped. Real HTTP, no fetch mocks.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunnerClient, RunnerProtocolError } from '../src/index.ts';
import { apiError, claimedTask, json, type Stub, type StubHandler, startStub } from './support/stub-server.ts';

let stub: Stub | undefined;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vidforge-runner-client-'));
});
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function clientFor(handler: StubHandler, options: Partial<ConstructorParameters<typeof RunnerClient>[0]> = {}) {
  stub = await startStub(handler);
  return new RunnerClient({
    serverUrl: stub.url,
    token: 'vfr_secret',
    claimRetryBaseMs: 10,
    claimRetryMaxMs: 50,
    taskRetryBaseMs: 10,
    requestTimeoutMs: 2000,
    ...options,
  });
}

async function protocolError(promise: Promise<unknown>): Promise<RunnerProtocolError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a RunnerProtocolError');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunnerProtocolError);
  return error as RunnerProtocolError;
}

const beat = (client: RunnerClient) => client.heartbeat('task-1', 'lease-1', { progress: 0.5, stage: 'x' });

describe('what the client sends', () => {
  it('claims with the token and the narrowing it was given; a null task is null', async () => {
    const client = await clientFor((_req, res) => json(res, 200, { task: null }));
    expect(await client.claim({ engines: ['preview'], operations: ['generate'], waitMs: 0 })).toBeNull();
    const [request] = stub!.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/v1/runner/claim' });
    expect(request!.headers.authorization).toBe('Bearer vfr_secret');
    expect(JSON.parse(request!.body.toString())).toEqual({ engines: ['preview'], operations: ['generate'], waitMs: 0 });
  });

  it('keeps a path prefix of the server URL', async () => {
    stub = await startStub((_req, res) => json(res, 200, { task: null }));
    const client = new RunnerClient({ serverUrl: `${stub.url}/vidforge/`, token: 't' });
    await client.claim({ waitMs: 0 });
    expect(stub.requests[0]!.url).toBe('/vidforge/v1/runner/claim');
  });

  it('sends the lease token on task calls, caps progress and stage to what the schema allows', async () => {
    const client = await clientFor((_req, res) => json(res, 200, { cancelled: false, leaseExpiresAt: 1 }));
    await client.heartbeat('task/1', 'lease-1', { progress: 7, stage: 's'.repeat(100) });
    const [request] = stub!.requests;
    expect(request!.url).toBe('/v1/runner/tasks/task%2F1/heartbeat');
    expect(request!.headers['vidforge-lease-token']).toBe('lease-1');
    expect(JSON.parse(request!.body.toString())).toEqual({ progress: 1, stage: 's'.repeat(64) });
  });

  it('streams the upload from disk with Content-Length and Content-Type video/mp4', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 7);
    const file = join(dir, 'upload.mp4');
    await writeFile(file, bytes);
    const video = { width: 1280, height: 720, fps: 24, durationSeconds: 2, hasAudio: false };
    const client = await clientFor((req, res) => json(res, 200, { size: req.body.length, video }));
    expect(await client.uploadOutput('task-1', 'lease-1', file)).toEqual({ size: bytes.length, video });
    const [request] = stub!.requests;
    expect(request).toMatchObject({ method: 'PUT', url: '/v1/runner/tasks/task-1/output' });
    expect(request!.headers['content-type']).toBe('video/mp4');
    expect(request!.headers['content-length']).toBe(String(bytes.length));
    expect(request!.headers['transfer-encoding']).toBeUndefined();
    expect(request!.body.equals(bytes)).toBe(true);
  });

  it('fail and abort send their bodies; messages from the runner are made printable', async () => {
    const client = await clientFor((req, res) =>
      json(res, 200, { status: req.url.endsWith('/fail') ? 'FAIL' : 'PENDING' }),
    );
    expect(
      await client.fail('task-1', 'lease-1', { code: 'SOURCE_INVALID', message: 'bad\nframe', retryable: false }),
    ).toEqual({ status: 'FAIL' });
    expect(await client.abort('task-1', 'lease-1', 'runner stopping')).toEqual({ status: 'PENDING' });
    expect(JSON.parse(stub!.requests[0]!.body.toString())).toEqual({
      code: 'SOURCE_INVALID',
      message: 'bad frame',
      retryable: false,
    });
    expect(JSON.parse(stub!.requests[1]!.body.toString())).toEqual({ reason: 'runner stopping' });
  });
});

describe('answers the client refuses', () => {
  it('a 200 that is not JSON', async () => {
    const client = await clientFor((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>proxy login</html>');
    });
    const error = await protocolError(beat(client));
    expect(error).toMatchObject({ code: 'RESPONSE_INVALID', status: 200 });
    expect(error.message).toContain('not JSON');
  });

  it('a 200 of the wrong shape', async () => {
    const client = await clientFor((_req, res) => json(res, 200, { cancelled: 'no', leaseExpiresAt: 1 }));
    const error = await protocolError(beat(client));
    expect(error.code).toBe('RESPONSE_INVALID');
    expect(error.message).toContain('cancelled');
  });

  it('a server of another protocol version is refused at once, and a task it handed over given back', async () => {
    const client = await clientFor((req, res) =>
      req.url.endsWith('/claim')
        ? json(res, 200, { protocolVersion: 2, task: claimedTask() })
        : json(res, 200, { status: 'PENDING' }),
    );
    const error = await protocolError(client.claim({ waitMs: 0 }));
    expect(error.code).toBe('PROTOCOL_MISMATCH');
    expect(error.transient).toBe(false);
    expect(error.message).toMatch(/speaks runner protocol version 2, this runner speaks version 1/);
    expect(stub!.requests.map((r) => r.url)).toEqual(['/v1/runner/claim', '/v1/runner/tasks/task-1/abort']);
    expect(stub!.requests[1]!.headers['vidforge-lease-token']).toBe('lease-1');
  });

  it('a claim that states version 1, or none (a server from before the field), is accepted', async () => {
    let client = await clientFor((_req, res) => json(res, 200, { protocolVersion: 1, task: claimedTask() }));
    expect((await client.claim({ waitMs: 0 }))?.taskId).toBe('task-1');
    await stub!.close();
    client = await clientFor((_req, res) => json(res, 200, { task: null }));
    expect(await client.claim({ waitMs: 0 })).toBeNull();
  });

  it('a claimed task missing fields, or whose request is not of its type (which is failed back)', async () => {
    const broken = { ...claimedTask(), leaseToken: undefined };
    let client = await clientFor((_req, res) => json(res, 200, { task: broken }));
    expect((await protocolError(client.claim({ waitMs: 0 }))).code).toBe('RESPONSE_INVALID');
    expect(stub!.requests).toHaveLength(1);
    await stub!.close();

    const upscaleBody = { config: { sourceVideo: 'https://example.com/a.mp4' } };
    client = await clientFor((req, res) =>
      req.url.endsWith('/claim')
        ? json(res, 200, { task: claimedTask({ type: 'generate', request: upscaleBody }) })
        : json(res, 200, { status: 'PENDING' }),
    );
    const error = await protocolError(client.claim({ waitMs: 0 }));
    expect(error.code).toBe('RESPONSE_INVALID');
    expect(error.message).toContain('generate request of task task-1 is malformed');
    const fail = stub!.requests[1]!;
    expect(fail.url).toBe('/v1/runner/tasks/task-1/fail');
    expect(fail.headers['vidforge-lease-token']).toBe('lease-1');
    expect(JSON.parse(fail.body.toString())).toMatchObject({ code: 'INTERNAL_ERROR', retryable: true });
  });

  it('a huge answer, with or without Content-Length, is cut off at the limit', async () => {
    const client = await clientFor(
      (req, res) => {
        if (req.url.includes('declared')) {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(64 * 1024 * 1024) });
          res.write('{"cancelled": false, "x": "');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        let sent = 0;
        const pump = () => {
          while (sent < 256 && res.write(chunk)) sent++;
          if (sent < 256 && !res.destroyed) res.once('drain', pump);
        };
        res.write('{"x":"');
        pump();
      },
      { maxResponseBytes: 64 * 1024 },
    );
    const started = Date.now();
    const streamed = await protocolError(beat(client));
    expect(streamed.code).toBe('RESPONSE_INVALID');
    expect(streamed.message).toContain('larger than 65536 bytes');
    const declared = await protocolError(client.heartbeat('declared', 'lease-1', { progress: 0 }));
    expect(declared.code).toBe('RESPONSE_INVALID');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('error answers keep the server code; hostile or missing codes fall back; messages are made printable', async () => {
    const answers: [number, unknown][] = [
      [409, apiError('LEASE_LOST', 'The lease expired')],
      [502, '<html>Bad Gateway</html>'],
      [401, { error: { code: 'rm -rf /; bad code', message: 'nope' } }],
      [
        403,
        { error: { code: 'FORBIDDEN', message: `line one\n2025-01-01 INFO forged\u001b[31mred${'x'.repeat(2000)}` } },
      ],
    ];
    const client = await clientFor((_req, res, i) => json(res, answers[i]![0], answers[i]![1]), { taskCallRetries: 0 });
    const lease = await protocolError(beat(client));
    expect(lease).toMatchObject({ status: 409, code: 'LEASE_LOST', message: 'The lease expired', requestId: 'req-1' });
    const gateway = await protocolError(beat(client));
    expect(gateway).toMatchObject({ status: 502, code: 'INTERNAL_ERROR' });
    expect(gateway.message).toContain('Bad Gateway');
    expect(await protocolError(beat(client))).toMatchObject({ status: 401, code: 'UNAUTHORIZED', message: 'nope' });
    const forbidden = await protocolError(beat(client));
    expect(forbidden.code).toBe('FORBIDDEN');
    expect(forbidden.message).not.toContain('\n');
    expect(forbidden.message).not.toContain('\u001b');
    expect(forbidden.message.length).toBeLessThanOrEqual(501);
  });

  it('a server that never answers times out', async () => {
    const client = await clientFor(() => {}, { requestTimeoutMs: 200, taskCallRetries: 0 });
    const error = await protocolError(beat(client));
    expect(error).toMatchObject({ code: 'TIMEOUT', status: 0 });
  });
});

describe('retries', () => {
  it('task calls: network errors and 5xx a few times, 4xx never', async () => {
    let client = await clientFor((_req, res, i) => {
      if (i < 2) return res.destroy();
      json(res, 200, { cancelled: false, leaseExpiresAt: 5 });
    });
    expect(await beat(client)).toEqual({ cancelled: false, leaseExpiresAt: 5 });
    expect(stub!.requests).toHaveLength(3);
    await stub!.close();

    client = await clientFor((_req, res) => json(res, 409, apiError('LEASE_LOST', 'gone')));
    expect((await protocolError(client.complete('task-1', 'lease-1'))).code).toBe('LEASE_LOST');
    expect(stub!.requests).toHaveLength(1);
    await stub!.close();

    client = await clientFor((_req, res) => json(res, 503, apiError('SERVICE_UNAVAILABLE', 'draining')));
    expect((await protocolError(beat(client))).code).toBe('SERVICE_UNAVAILABLE');
    expect(stub!.requests).toHaveLength(4);
  });

  it('an upload retried after a dropped connection sends the whole file again', async () => {
    const bytes = randomBytes(256 * 1024);
    const file = join(dir, 'retry.mp4');
    await writeFile(file, bytes);
    const video = { width: 16, height: 16, fps: 24, durationSeconds: 1, hasAudio: false };
    const client = await clientFor((req, res, i) => {
      if (i === 0) return res.destroy();
      json(res, 200, { size: req.body.length, video });
    });
    expect((await client.uploadOutput('task-1', 'lease-1', file)).size).toBe(bytes.length);
    expect(stub!.requests.at(-1)!.body.equals(bytes)).toBe(true);
  });

  it('claim: retried with backoff through 503 (Retry-After), 429 and dropped connections; 401 is not', async () => {
    const retries: string[] = [];
    const client = await clientFor(
      (_req, res, i) => {
        if (i === 0) return json(res, 503, apiError('SERVICE_UNAVAILABLE', 'draining'), { 'retry-after': '0' });
        if (i === 1) return json(res, 429, apiError('RUNNER_AT_CAPACITY', 'busy'));
        if (i === 2) return res.destroy();
        if (i === 3) return json(res, 200, { task: claimedTask() });
        json(res, 401, apiError('UNAUTHORIZED', 'revoked'));
      },
      { onClaimRetry: (error) => retries.push(error.code) },
    );
    const task = await client.claim({ waitMs: 0 });
    expect(task).toMatchObject({ taskId: 'task-1', leaseToken: 'lease-1', seed: 42 });
    expect(retries).toEqual(['SERVICE_UNAVAILABLE', 'RUNNER_AT_CAPACITY', 'NETWORK_ERROR']);
    expect((await protocolError(client.claim({ waitMs: 0 }))).code).toBe('UNAUTHORIZED');
    expect(stub!.requests).toHaveLength(5);
  });

  it('claim: an unreachable server is retried until the signal aborts, which rejects with its reason', async () => {
    stub = await startStub(() => {});
    const url = stub.url;
    await stub.close();
    stub = undefined;
    const seen: RunnerProtocolError[] = [];
    const client = new RunnerClient({
      serverUrl: url,
      token: 't',
      claimRetryBaseMs: 10,
      claimRetryMaxMs: 20,
      onClaimRetry: (error) => seen.push(error),
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort('stop'), 300);
    await expect(client.claim({ waitMs: 0 }, controller.signal)).rejects.toBe('stop');
    expect(seen.length).toBeGreaterThan(2);
    expect(seen[0]).toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
    expect(seen[0]!.message).toContain('ECONNREFUSED');
  });
});

describe('downloadSource', () => {
  it('downloads without the runner token; the size must be what the claim announced', async () => {
    const bytes = randomBytes(100_000);
    const client = await clientFor((req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(req.url.includes('short') ? bytes.subarray(0, 10) : bytes);
    });
    const dest = join(dir, 'source-image');
    const url = `${stub!.url}/v1/runner/sources/task-1?exp=1&sig=x`;
    expect(await client.downloadSource(url, dest, undefined, { expectedSize: bytes.length })).toEqual({
      size: bytes.length,
      contentType: 'image/png',
    });
    expect((await readFile(dest)).equals(bytes)).toBe(true);
    expect(stub!.requests[0]!.headers.authorization).toBeUndefined();

    const longer = await protocolError(client.downloadSource(url, join(dir, 'long'), undefined, { expectedSize: 10 }));
    expect(longer.code).toBe('SOURCE_INVALID');
    const shorter = await protocolError(
      client.downloadSource(`${url}&short`, join(dir, 'short'), undefined, { expectedSize: 100 }),
    );
    expect(shorter.message).toContain('10 bytes, 100 were announced');
    expect((await readdir(dir)).filter((f) => f.startsWith('long') || f.startsWith('short'))).toEqual([]);
  });

  it('an error answer keeps its code; a stalled download times out', async () => {
    const client = await clientFor((req, res) => {
      if (req.url.includes('expired')) return json(res, 403, apiError('MEDIA_URL_INVALID', 'expired'));
      res.writeHead(200);
      res.write('partial');
    });
    expect(
      await protocolError(client.downloadSource(`${stub!.url}/expired`, join(dir, 'x'), undefined, {})),
    ).toMatchObject({ status: 403, code: 'MEDIA_URL_INVALID' });
    const stalled = await protocolError(
      client.downloadSource(`${stub!.url}/stall`, join(dir, 'y'), undefined, { idleTimeoutMs: 200 }),
    );
    expect(stalled.code).toBe('TIMEOUT');
  });
});
