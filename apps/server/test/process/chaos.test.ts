/**
 * A bounded chaos run against a real server process: valid clients, hostile source servers (reset
 * mid-body, endless, a wrong Content-Length, closing early, trickling), slow clients holding
 * connections, and kill -9 of the server twice, each time restarted. Afterwards every accepted task
 * has ended with a status and is still readable, the clean tasks all succeeded, hostile ones failed
 * with a source code, and the server never ended on its own.
 */

import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Fixtures, makeFixtures } from '../media/fixtures.ts';
import { type HostileServer, serveBytes, startHostileServer } from '../media/hostile-server.ts';
import { tempDir } from '../support/index.ts';
import { type ChildServer, prepareTestAccess, spawnServer } from './child-server.ts';

const RUN_MS = 15_000;
const KILLS_AT_MS = [4_000, 9_000];
const SLOW_CLIENTS = 60;

let dir: Awaited<ReturnType<typeof tempDir>>;
let fixtures: Fixtures;
let hostile: HostileServer;
let key: string;
const servers: ChildServer[] = [];

beforeAll(async () => {
  [dir, fixtures, hostile] = await Promise.all([tempDir(), makeFixtures(), startHostileServer()]);
  const png = new Uint8Array(await readFile(fixtures.png));
  const mb = Buffer.alloc(256 * 1024, 0x41);
  hostile.route('/good.png', serveBytes(png, { 'content-type': 'image/png' }));
  hostile.route('/reset.png', (_req, res) => {
    res.writeHead(200, { 'content-length': png.length * 4 });
    res.write(png.subarray(0, 100));
    setTimeout(() => res.socket?.resetAndDestroy(), 20);
  });
  hostile.route('/endless.png', (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' });
    res.write(png.subarray(0, 64));
    const pump = () => {
      while (!res.destroyed && res.write(mb)) {}
    };
    res.on('drain', pump);
    pump();
  });
  hostile.route('/short.png', (_req, res) => {
    // Declares more than it sends, then ends the connection.
    res.writeHead(200, { 'content-length': png.length + 5000 });
    res.write(png);
    setTimeout(() => res.socket?.end(), 10);
  });
  hostile.route('/close.png', (_req, res) => {
    res.writeHead(200, { 'content-length': png.length, connection: 'close' });
    res.end(png);
    res.socket?.end();
  });
  hostile.route('/trickle.png', (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' });
    const timer = setInterval(() => res.write(png.subarray(0, 1)), 100);
    res.on('close', () => clearInterval(timer));
  });
  ({ key } = prepareTestAccess(dir.path, 'testengine', { previewPath: 'previewengine' }));
}, 60_000);

afterAll(async () => {
  for (const server of servers) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  await Promise.all([hostile?.close(), fixtures?.remove()]);
  await dir?.remove();
});

const ENV = () => ({
  VIDFORGE_DATA_DIR: dir.path,
  VIDFORGE_LEASE_MS: '2000',
  VIDFORGE_WORKERS: '2',
  VIDFORGE_FETCH_ALLOW: `127.0.0.1:${hostile.port}`,
  VIDFORGE_FETCH_TIMEOUT_MS: '3000',
  VIDFORGE_FETCH_IDLE_TIMEOUT_MS: '1000',
  VIDFORGE_FETCH_THROUGHPUT_WINDOW_MS: '1000',
  VIDFORGE_IMAGE_MAX_BYTES: String(2 * 1024 * 1024),
  VIDFORGE_HEADERS_TIMEOUT_MS: '1000',
  VIDFORGE_MAX_CONNECTIONS: '200',
});

async function submit(url: string, endpoint: string, body: unknown): Promise<string | null> {
  try {
    const response = await fetch(`${url}/v1/ai/${endpoint}/video/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    return response.status === 200 ? ((await response.json()) as { taskId: string }).taskId : null;
  } catch {
    return null; // The server was being killed: not accepted, as far as this client knows.
  }
}

/** A client that sends half its headers and then nothing; the server must cut it. */
function slowClient(url: string): Socket {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  socket.write('POST /v1/ai/testengine/video/generate HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  return socket;
}

it('every accepted task ends with a status through hostile sources, slow clients and kill -9', async () => {
  let server = await spawnServer(ENV());
  servers.push(server);
  const accepted: { id: string; kind: 'clean' | 'hostile' | 'preview' }[] = [];
  const hostilePaths = ['/reset.png', '/endless.png', '/short.png', '/trickle.png'];
  const started = Date.now();
  const kills = [...KILLS_AT_MS];
  const slow: Socket[] = [];
  let round = 0;
  while (Date.now() - started < RUN_MS) {
    round++;
    if (kills.length > 0 && Date.now() - started >= kills[0]!) {
      kills.shift();
      expect(server.child.exitCode, `the server ended on its own:\n${server.output()}`).toBeNull();
      server.child.kill('SIGKILL');
      await server.exited;
      server = await spawnServer(ENV());
      servers.push(server);
    }
    while (slow.length < SLOW_CLIENTS) slow.push(slowClient(server.url));
    for (let i = slow.length - 1; i >= 0; i--) if (slow[i]!.destroyed) slow.splice(i, 1);
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < 3; i++) {
      jobs.push(
        submit(server.url, 'testengine', { prompt: `test: steps=5 stepMs=40 round=${round}.${i}` }).then((id) => {
          if (id) accepted.push({ id, kind: 'clean' });
        }),
      );
    }
    const path = hostilePaths[round % hostilePaths.length]!;
    jobs.push(
      submit(server.url, 'previewengine', { prompt: 'x', config: { sourceImage: `${hostile.origin}${path}` } }).then(
        (id) => {
          if (id) accepted.push({ id, kind: 'hostile' });
        },
      ),
    );
    if (round % 10 === 0) {
      const source = `${hostile.origin}${round % 20 === 0 ? '/good.png' : '/close.png'}`;
      jobs.push(
        submit(server.url, 'previewengine', { prompt: 'ok', config: { sourceImage: source } }).then((id) => {
          if (id) accepted.push({ id, kind: 'preview' });
        }),
      );
    }
    await Promise.all(jobs);
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const socket of slow) socket.destroy();
  expect(accepted.length).toBeGreaterThan(30);

  // Every accepted task ends, on the last server, and is still there to read.
  const final = new Map<string, { status: string; error?: { code: string } }>();
  const deadline = Date.now() + 90_000;
  while (final.size < accepted.length && Date.now() < deadline) {
    for (const { id, kind } of accepted) {
      if (final.has(id)) continue;
      const endpoint = kind === 'clean' ? 'testengine' : 'previewengine';
      const response = await fetch(`${server.url}/v1/ai/${endpoint}/video/tasks/${id}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(response.status, `task ${id} was lost`).toBe(200);
      const task = (await response.json()) as { status: string; error?: { code: string } };
      if (task.status === 'SUCCESS' || task.status === 'FAIL') final.set(id, task);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const unfinished = accepted.filter(({ id }) => !final.has(id));
  expect(unfinished, 'tasks that never ended').toEqual([]);
  for (const { id, kind } of accepted) {
    const task = final.get(id)!;
    if (kind === 'hostile') expect(task.error?.code, id).toMatch(/^SOURCE_/);
    else expect(task, `${kind} task ${id}`).toMatchObject({ status: 'SUCCESS' });
  }
  expect(server.child.exitCode, `the server ended on its own:\n${server.output()}`).toBeNull();
  expect(server.output()).not.toMatch(/uncaught exception/);
}, 180_000);
