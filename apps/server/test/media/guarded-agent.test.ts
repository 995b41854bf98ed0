/**
 * The HTTP client under the fetcher survives a source that sends a whole response with
 * `Connection: close` and ends the socket while the download is paused by a slow reader. undici 7
 * threw `assert(!this.paused)` from the socket's 'end' handler there, which ended the process (the
 * test runner reports such an uncaught exception as a failure of this file).
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseAllowlist } from '../../src/modules/media/fetch-allowlist.ts';
import { createGuardedAgent } from '../../src/modules/media/guarded-agent.ts';

const BODY = Buffer.alloc(8 * 1024 * 1024, 0x41);
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      const head = `HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n`;
      socket.end(Buffer.concat([Buffer.from(head), BODY]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('reads a whole Connection: close response that ended while the reader was paused', async () => {
  for (let i = 0; i < 3; i++) {
    const agent = createGuardedAgent({
      allowlist: parseAllowlist(`127.0.0.1:${port}`),
      isPublic: () => false,
      connectTimeoutMs: 5000,
      idleTimeoutMs: 5000,
      maxResponseBytes: 2 * BODY.length,
    });
    try {
      const response = await request(`http://127.0.0.1:${port}/big.png`, { dispatcher: agent });
      let received = 0;
      for await (const chunk of response.body) {
        received += chunk.length;
        // A slow reader: the body pauses, and the server's FIN arrives meanwhile.
        await sleep(1);
      }
      expect(received).toBe(BODY.length);
    } finally {
      await agent.destroy();
    }
  }
});
