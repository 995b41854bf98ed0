/** stop() must not hang on a socket that connected but never sent a request (a preconnect). */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/index.ts';

describe('stop()', () => {
  it('closes connections that never sent a request after the grace period', async () => {
    const server = await startTestServer({ env: { VIDFORGE_SHUTDOWN_GRACE_MS: '300', VIDFORGE_WORKERS: '0' } });
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const stopped = await Promise.race([
      server.stop().then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 10_000)),
    ]);
    expect(stopped).toBe('stopped');
    await closed;
  });
});
