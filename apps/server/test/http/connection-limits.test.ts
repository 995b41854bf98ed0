/**
 * What a connection may hold, over real sockets: headers and bodies that never finish are cut with
 * the API's error shape, answers sent before the body close the connection, errors from Node's
 * parser (431, a bad Content-Length) have the error shape and an X-Request-Id, and connections
 * beyond the cap are refused at once while the server keeps serving.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/index.ts';

let server: TestServer;
let port: number;

beforeAll(async () => {
  server = await startTestServer({
    env: {
      VIDFORGE_HEADERS_TIMEOUT_MS: '400',
      VIDFORGE_BODY_TIMEOUT_MS: '400',
      VIDFORGE_IDLE_TIMEOUT_MS: '3000',
      VIDFORGE_MAX_CONNECTIONS: '24',
    },
  });
  port = new URL(server.url).port as unknown as number;
});
afterAll(() => server?.stop());

interface RawExchange {
  socket: Socket;
  /** Everything the server sent until it closed the connection (or the wait ran out). */
  closed: Promise<{ text: string; closedAfterMs: number | null }>;
}

/** Opens a socket, writes `data`, and collects the answer until the server closes it. */
function raw(data: string | Buffer, waitMs = 5000): RawExchange {
  const socket = connect(Number(port), '127.0.0.1');
  const started = Date.now();
  let text = '';
  socket.on('data', (chunk) => {
    text += chunk;
  });
  socket.on('error', () => {});
  if (data.length > 0) socket.write(data);
  const closed = new Promise<{ text: string; closedAfterMs: number | null }>((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedAfterMs: null });
    }, waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
  });
  return { socket, closed };
}

function parse(text: string) {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine?.split(' ')[1]), headers, body: body ? JSON.parse(body) : null };
}

const post = (path: string, headers: Record<string, string>) =>
  `POST /v1/ai/${server.endpointPath}${path} HTTP/1.1\r\nHost: x\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

describe('slow and silent clients', () => {
  it('headers that never finish get 408 in the error shape, then the connection is closed', async () => {
    const { closed } = raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: `);
    const { text, closedAfterMs } = await closed;
    expect(closedAfterMs, 'the connection was never cut').not.toBeNull();
    const answer = parse(text);
    expect(answer.status).toBe(408);
    expect(answer.body.error).toMatchObject({ code: 'REQUEST_TIMEOUT' });
    expect(answer.headers['x-request-id']).toBe(answer.body.error.requestId);
  });

  it('a body that never comes, with a valid key, gets 408 and the connection is closed', async () => {
    const { closed } = raw(
      post('/video/generate', {
        authorization: `Bearer ${server.key}`,
        'content-type': 'application/json',
        'content-length': '100',
      }),
    );
    const { text, closedAfterMs } = await closed;
    expect(closedAfterMs, 'the connection was never cut').not.toBeNull();
    const answer = parse(text);
    expect(answer.status).toBe(408);
    expect(answer.body.error.code).toBe('REQUEST_TIMEOUT');
    expect(answer.headers.connection).toBe('close');
  });

  it('a 401 sent before the body closes the connection instead of waiting for the body', async () => {
    const { closed } = raw(
      post('/video/generate', {
        authorization: 'Bearer nope',
        'content-type': 'application/json',
        'content-length': '5000',
      }),
    );
    const { text, closedAfterMs } = await closed;
    expect(parse(text).status).toBe(401);
    expect(parse(text).headers.connection).toBe('close');
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs!).toBeLessThan(1000);
  });

  it('a 413 for a declared oversized body closes the connection', async () => {
    const { closed } = raw(
      post('/video/generate', {
        authorization: `Bearer ${server.key}`,
        'content-type': 'application/json',
        'content-length': String(10 * 1024 * 1024),
      }),
    );
    const { text, closedAfterMs } = await closed;
    expect(parse(text).status).toBe(413);
    expect(parse(text).body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(closedAfterMs).not.toBeNull();
  });
});

describe('errors from the HTTP parser have the API error shape', () => {
  it('headers over 16 KiB: 431 HEADERS_TOO_LARGE with an X-Request-Id', async () => {
    const { text } = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`).closed;
    const answer = parse(text);
    expect(answer.status).toBe(431);
    expect(answer.body.error.code).toBe('HEADERS_TOO_LARGE');
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a malformed Content-Length: 400 INVALID_REQUEST with an X-Request-Id', async () => {
    const { text } = await raw(post('/video/generate', { 'content-length': '12abc' })).closed;
    const answer = parse(text);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('INVALID_REQUEST');
    expect(answer.headers['x-request-id']).toBe(answer.body.error.requestId);
  });

  it('a text/plain body is 415, as documented', async () => {
    const response = await server.call('POST', '/video/generate', '{"prompt":"x"}', { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('the connection cap', () => {
  it('connections beyond the cap are closed at once; the server serves again once slow ones are cut', async () => {
    const idle = Array.from({ length: 40 }, () => raw(`GET /healthz HTTP/1.1\r\nHost: x\r\n`, 5000));
    const results = await Promise.all(idle.map((c) => c.closed));
    // The first 24 were held until the headers deadline and answered 408; the rest were refused
    // on accept, with no answer at all.
    const answered = results.filter((r) => r.text.startsWith('HTTP/1.1 408'));
    const refused = results.filter((r) => r.text === '');
    expect(answered.length).toBeLessThanOrEqual(24);
    expect(refused.length).toBeGreaterThanOrEqual(16);
    expect(results.every((r) => r.closedAfterMs !== null)).toBe(true);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
