/**
 * A local HTTP server that plays the hostile (or merely slow) source: each test registers the
 * answers it needs, and the server records every request it receives, so a test can assert that a
 * refused URL never reached it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HostileServer {
  host: string;
  port: number;
  /** http://host:port */
  origin: string;
  requests: RecordedRequest[];
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

export async function startHostileServer(host = '127.0.0.1'): Promise<HostileServer> {
  const routes = new Map<string, Handler>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const handler = routes.get((req.url ?? '').split('?')[0]!);
    if (handler) return handler(req, res);
    res.statusCode = 404;
    res.end('not found');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host,
    port,
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    requests,
    route: (path, handler) => routes.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Serves a fixed body, with whatever (lying) headers the test wants. */
export function serveBytes(body: Uint8Array | string, headers: Record<string, string | number> = {}): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };
}

export function redirectTo(location: string, status = 302): Handler {
  return (_req, res) => {
    res.writeHead(status, { location });
    res.end();
  };
}
