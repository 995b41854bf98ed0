/** Runner endpoints, runner tokens and raw protocol calls for tests of the runner protocol. */
import { RUNNER_BASE_PATH, type TaskType } from '@vidforge/contract';
import { openAdmin } from '../../src/admin/index.ts';
import { type ApiResponse, readResponse, type TestServer } from './server.ts';

async function withAdmin<T>(
  server: TestServer,
  fn: (admin: Awaited<ReturnType<typeof openAdmin>>['admin']) => Promise<T>,
) {
  const handle = await openAdmin(server.config);
  try {
    return await fn(handle.admin);
  } finally {
    await handle.close();
  }
}

/** An endpoint of engine `runner` for `family`, usable with the test server's key; returns its path. */
export function addRunnerEndpoint(server: TestServer, family = 'preview'): Promise<string> {
  return withAdmin(server, async (admin) => {
    const endpoint = await admin.createEndpoint({ engine: 'runner', name: `runner-${family}`, settings: { family } });
    const [key] = (await admin.listKeys()).filter((k) => k.name === 'test');
    await admin.grant(key!.id, endpoint.path);
    return endpoint.path;
  });
}

export function addRunner(
  server: TestServer,
  input: { name?: string; engines?: string[]; operations?: TaskType[]; concurrency?: number } = {},
): Promise<{ token: string; id: string }> {
  return withAdmin(server, async (admin) => {
    const { token, runner } = await admin.createRunner({ engines: ['preview'], ...input });
    return { token, id: runner.id };
  });
}

export const revokeRunner = (server: TestServer, id: string) => withAdmin(server, (admin) => admin.revokeRunner(id));
export const listRunners = (server: TestServer) => withAdmin(server, (admin) => admin.listRunners());

/** One runner-protocol call: JSON in and out, or raw bytes when `body` is a Uint8Array. */
export async function runnerCall(
  server: TestServer,
  token: string,
  method: string,
  path: string,
  options: { body?: unknown; leaseToken?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const { body } = options;
  const raw = body instanceof Uint8Array;
  const response = await fetch(`${server.url}${RUNNER_BASE_PATH}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': raw ? 'video/mp4' : 'application/json' }),
      ...(options.leaseToken ? { 'vidforge-lease-token': options.leaseToken } : {}),
      ...options.headers,
    },
    body: body === undefined ? undefined : raw ? (body as Uint8Array<ArrayBuffer>) : JSON.stringify(body),
  });
  return readResponse(response);
}
