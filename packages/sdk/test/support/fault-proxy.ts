/**
 * A loopback HTTP proxy in front of the real test server that injects faults on chosen requests:
 * a canned status (429/503 with Retry-After), a delay, or a response dropped after the request was
 * forwarded. This is the one fake in the SDK tests: a real server never misbehaves on cue, and the
 * retry, deadline and idempotency paths exist for exactly these moments. Everything it does not
 * intercept is forwarded unchanged, so the behaviour under test is still the real server's.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'delay'; ms: number }
  /** Forwards the request, reads the whole upstream response, then resets the connection. */
  | { kind: 'drop' };

export interface FaultRule {
  method?: string;
  /** Matched against the path (with query), e.g. /\/video\/tasks\//. */
  path?: RegExp;
  /** How many matching requests get the fault; default 1. */
  times?: number;
  fault: Fault;
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The fault applied, if any. */
  fault?: Fault['kind'];
  at: number;
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  /** url + /v1/ai: use as the SDK's baseUrl. */
  basePath: string;
  seen: SeenRequest[];
  inject(rule: FaultRule): void;
  /** Forgets injected rules and seen requests. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let rules: (FaultRule & { left: number })[] = [];
  const seen: SeenRequest[] = [];

  const take = (req: IncomingMessage): Fault | undefined => {
    const rule = rules.find(
      (r) => r.left > 0 && (!r.method || r.method === req.method) && (!r.path || r.path.test(req.url ?? '')),
    );
    if (!rule) return undefined;
    rule.left--;
    return rule.fault;
  };

  const forward = (req: IncomingMessage, body: Buffer, onResponse: (res: IncomingMessage, data: Buffer) => void) => {
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => onResponse(res, Buffer.concat(chunks)));
      },
    );
    out.on('error', () => {});
    out.end(body);
  };

  const relay = (res: ServerResponse, upstreamRes: IncomingMessage, data: Buffer) => {
    res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
    res.end(data);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const fault = take(req);
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        fault: fault?.kind,
        at: Date.now(),
      });
      if (fault?.kind === 'respond') {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(JSON.stringify(fault.body ?? { error: { code: 'SERVICE_UNAVAILABLE', message: 'injected' } }));
      } else if (fault?.kind === 'delay') {
        const timer = setTimeout(() => forward(req, body, (up, data) => relay(res, up, data)), fault.ms);
        res.on('close', () => clearTimeout(timer));
      } else if (fault?.kind === 'drop') {
        forward(req, body, () => res.socket?.destroy());
      } else {
        forward(req, body, (up, data) => relay(res, up, data));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    basePath: `${url}/v1/ai`,
    seen,
    inject: (rule) => rules.push({ ...rule, left: rule.times ?? 1 }),
    reset: () => {
      rules = [];
      seen.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
