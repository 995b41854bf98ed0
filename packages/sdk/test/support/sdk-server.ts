/** A real test server plus SDK clients for it (and for a fault proxy in front of it). */

import { Vidforge, type VidforgeOptions } from '@vidforge/sdk/node';
import { startTestServer, type TestServer } from '@vidforge/server/testing';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';

/** Polling settings that keep waits in tests short. */
export const FAST_POLL = { pollIntervalMs: 20, maxPollIntervalMs: 100 } as const;

export interface SdkServer {
  server: TestServer;
  /** A client on the server's `test` engine endpoint. */
  client(overrides?: Partial<VidforgeOptions>): Vidforge;
  stop(): Promise<void>;
}

export async function startSdkServer(options: Parameters<typeof startTestServer>[0] = {}): Promise<SdkServer> {
  const server = await startTestServer(options);
  return {
    server,
    client: (overrides = {}) =>
      new Vidforge({
        baseUrl: server.basePath,
        endpointPath: server.endpointPath,
        accessKey: server.key,
        retryBaseMs: 20,
        retryMaxMs: 100,
        ...overrides,
      }),
    stop: () => stopServer(server),
  };
}

/** A prompt for the test engine: `steps` progress steps of `stepMs` each. */
export const slowPrompt = (steps: number, stepMs: number) => `test: steps=${steps} stepMs=${stepMs}`;

/**
 * Stops the server without waiting out its shutdown grace period for connections that never sent a
 * request (Node's fetch opens one right after a request is aborted mid-response). The server cuts
 * those itself after the grace period; tests cut them at once to stay fast.
 */
export async function stopServer(server: TestServer): Promise<void> {
  const stopping = server.stop();
  const sweep = setInterval(() => server.server.app.server.closeAllConnections(), 50);
  try {
    await stopping;
  } finally {
    clearInterval(sweep);
  }
}

/**
 * A real server with the fault proxy in front of it for one test file: started before its tests,
 * the proxy's faults cleared before each, both stopped after. Read `env` and `proxy` inside tests.
 */
export function useServerBehindFaultProxy(): { readonly env: SdkServer; readonly proxy: FaultProxy } {
  const context = {} as { env: SdkServer; proxy: FaultProxy };
  beforeAll(async () => {
    context.env = await startSdkServer();
    context.proxy = await startFaultProxy(context.env.server.url);
  });
  beforeEach(() => context.proxy.reset());
  afterAll(async () => {
    await context.proxy?.close();
    await context.env?.stop();
  });
  return context;
}
