/**
 * A webhook receiver on loopback for tests: records every request (raw body and headers, for an
 * independent signature check with the `standardwebhooks` package), counts the connections made to
 * it, and answers per path as the test says (a status, a redirect, a delay).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number };

export interface Receiver {
  port: number;
  url(path: string): string;
  received: Received[];
  /** Connections accepted so far, whatever was sent on them. */
  connections(): number;
  /** How to answer a request to `path` (default 204); called once per request. */
  answer: (path: string, count: number) => Answer;
  close(): Promise<void>;
  /** Listens again on the same port (after close): a receiver that was down comes back. */
  reopen(): Promise<void>;
}

export async function startReceiver(options: { host?: string; port?: number } = {}): Promise<Receiver> {
  const host = options.host ?? '127.0.0.1';
  const received: Received[] = [];
  const counts = new Map<string, number>();
  let connections = 0;
  let server: Server;
  const receiver: Receiver = {
    port: 0,
    url: (path) => `http://${host}:${receiver.port}${path}`,
    received,
    connections: () => connections,
    answer: () => ({ status: 204 }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    reopen: () => listen(receiver.port),
  };
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const path = request.url ?? '/';
          const count = (counts.get(path) ?? 0) + 1;
          counts.set(path, count);
          received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
          const answer = receiver.answer(path, count);
          const send = () => {
            if (response.destroyed) return;
            response.writeHead(answer.status, answer.headers);
            response.end();
          };
          if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
          else send();
        });
      });
      server.on('connection', () => {
        connections++;
      });
      server.once('error', reject);
      server.listen(port, host, () => {
        receiver.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  await listen(options.port ?? 0);
  return receiver;
}

/** Verifies one received request with the independent Standard Webhooks implementation; returns its payload. */
export function verified(secret: string, message: Received): { type: string; timestamp: string; data: any } {
  const headers: Record<string, string> = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    headers[name] = String(message.headers[name] ?? '');
  }
  return new Webhook(secret).verify(message.body, headers) as { type: string; timestamp: string; data: any };
}

export async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
