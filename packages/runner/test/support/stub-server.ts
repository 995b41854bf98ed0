/**
 * A tiny real HTTP server on loopback whose answers each test scripts, to see what the protocol
 * client does with answers a real Vidforge server never gives (malformed, hostile, huge, dropped).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type StubHandler = (request: StubRequest, res: ServerResponse, index: number) => unknown;

export interface Stub {
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

export async function startStub(handler: StubHandler): Promise<Stub> {
  const requests: StubRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
    requests.push(request);
    try {
      await handler(request, res, requests.length - 1);
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

export const apiError = (code: string, message: string) => ({ error: { code, message, requestId: 'req-1' } });

/** A valid claimed task as the server sends it; fields may be overridden. */
export function claimedTask(overrides: Record<string, unknown> = {}) {
  return {
    taskId: 'task-1',
    type: 'generate',
    engine: 'preview',
    attempt: 1,
    leaseToken: 'lease-1',
    leaseExpiresAt: Date.now() + 30_000,
    heartbeatIntervalMs: 10_000,
    deadlineAt: Date.now() + 900_000,
    request: { prompt: 'A red kite', settings: { seed: 42, duration: 2, aspectRatio: '16:9' } },
    seed: 42,
    endpointSettings: { family: 'preview' },
    source: null,
    output: { contentType: 'video/mp4', maxBytes: 512 * 1024 * 1024 },
    ...overrides,
  };
}
