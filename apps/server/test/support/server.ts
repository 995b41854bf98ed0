/**
 * A real server for tests: its own SQLite file and media directory in a temp dir, listening on a
 * loopback port, with the deterministic `test` engine on its own endpoint next to the default
 * `preview` one.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { openAdmin } from '../../src/admin/index.ts';
import type { ServerConfig } from '../../src/config/config.schema.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { type RunningServer, startServer } from '../../src/main.ts';
import type { Clock } from '../../src/ports/clock.ts';
import { tempDir } from './temp-dir.ts';

export interface TestServer {
  server: RunningServer;
  /** http://127.0.0.1:PORT */
  url: string;
  /** url + /v1/ai */
  basePath: string;
  /** An endpoint on the test engine, and a key granted to it and to the preview endpoint. */
  endpointPath: string;
  previewEndpointPath: string;
  key: string;
  dataDir: string;
  config: ServerConfig;
  /** Fetch relative to the basePath/endpointPath with the key, JSON in and out. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  stop(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** Status, headers and the body as JSON when it parses, as text otherwise. */
export async function readResponse(response: Response): Promise<ApiResponse> {
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Settings that keep tests fast; each test may override any of them. */
export const FAST_SETTINGS: Record<string, string> = {
  VIDFORGE_HOST: '127.0.0.1',
  VIDFORGE_PORT: '0',
  VIDFORGE_WORKERS: '2',
  VIDFORGE_LEASE_MS: '2000',
  VIDFORGE_PROGRESS_INTERVAL_MS: '20',
  VIDFORGE_RETRY_BASE_MS: '20',
  VIDFORGE_RETRY_MAX_MS: '100',
  VIDFORGE_REAPER_INTERVAL_MS: '50',
  VIDFORGE_ENABLE_TEST_ENGINE: 'true',
  VIDFORGE_LOG_LEVEL: 'silent',
  VIDFORGE_SHUTDOWN_GRACE_MS: '2000',
};

export async function startTestServer(
  options: { env?: Record<string, string>; clock?: Clock; testEndpointSettings?: Record<string, unknown> } = {},
): Promise<TestServer> {
  const dir = await tempDir();
  const key = `test_${randomBytes(24).toString('base64url')}`;
  const config = loadConfig({
    env: { ...FAST_SETTINGS, VIDFORGE_DATA_DIR: dir.path, ...options.env },
  });
  // Endpoints and key exist before the server starts, so first-run bootstrap leaves them alone.
  const handle = await openAdmin(config);
  const preview = await handle.admin.createEndpoint({ engine: 'preview', name: 'preview' });
  const testEndpoint = await handle.admin.createEndpoint({
    engine: 'test',
    name: 'test',
    settings: options.testEndpointSettings,
  });
  await handle.admin.createKey({ name: 'test', key, endpoints: [preview.path, testEndpoint.path] });
  await handle.close();

  const server = await startServer(config, { clock: options.clock, log: pino({ level: config.logLevel }) });
  const previewEndpointPath = preview.path;
  const url = server.url;
  const basePath = `${url}/v1/ai`;
  return {
    server,
    url,
    basePath,
    endpointPath: testEndpoint.path,
    previewEndpointPath,
    key,
    dataDir: dir.path,
    config,
    async call(method, path, body, headers = {}) {
      const target = path.startsWith('http') ? path : `${basePath}/${testEndpoint.path}${path}`;
      const response = await fetch(target, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      return readResponse(response);
    },
    async stop() {
      await server.stop();
      await dir.remove();
    },
  };
}

/** Polls a task until `done(task)` or the deadline; returns every state seen (for progress checks). */
export async function pollTask(
  server: TestServer,
  taskId: string,
  done: (task: any) => boolean = (t) => t.status === 'SUCCESS' || t.status === 'FAIL',
  timeoutMs = 20_000,
): Promise<{ task: any; seen: any[] }> {
  const seen: any[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await server.call('GET', `/video/tasks/${taskId}`);
    if (response.status !== 200) throw new Error(`GET task: ${response.status} ${JSON.stringify(response.body)}`);
    seen.push(response.body);
    if (done(response.body)) return { task: response.body, seen };
    await new Promise((r) => setTimeout(r, 15));
  }
  throw new Error(`task ${taskId} did not reach the expected state; last: ${JSON.stringify(seen.at(-1))}`);
}
