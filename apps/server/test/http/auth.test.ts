/** Access keys and endpoints: 401 for who you are, 404 for what you may not see (never an oracle). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdmin } from '../../src/admin/index.ts';
import { startTestServer, type TestServer } from '../support/index.ts';

let server: TestServer;
let otherKey: string;
let otherEndpoint: string;
let revokedKey: string;

beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_WORKERS: '0' } });
  const { admin, close } = await openAdmin(server.config);
  otherEndpoint = (await admin.createEndpoint({ engine: 'test' })).path;
  otherKey = (await admin.createKey({ name: 'other', endpoints: [otherEndpoint] })).key;
  const revoked = await admin.createKey({ name: 'revoked', endpoints: [server.endpointPath] });
  revokedKey = revoked.key;
  await admin.revokeKey(revoked.record.id);
  await close();
});
afterAll(() => server.stop());

const body = { prompt: 'a cat' };

async function expectCode(response: Promise<{ status: number; body: any }>, status: number, code: string) {
  const result = await response;
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  expect(result.body.error.code).toBe(code);
}

describe('authentication', () => {
  it('401 without a key, with a malformed header, a wrong key or a revoked key', async () => {
    await expectCode(server.call('POST', '/video/generate', body, { authorization: '' }), 401, 'UNAUTHORIZED');
    await expectCode(server.call('POST', '/video/generate', body, { authorization: 'Basic abc' }), 401, 'UNAUTHORIZED');
    await expectCode(server.call('POST', '/video/generate', body, { authorization: 'Bearer' }), 401, 'UNAUTHORIZED');
    await expectCode(
      server.call('POST', '/video/generate', body, { authorization: `Bearer ${server.key}x` }),
      401,
      'UNAUTHORIZED',
    );
    await expectCode(
      server.call('POST', '/video/generate', body, { authorization: `Bearer ${revokedKey}` }),
      401,
      'UNAUTHORIZED',
    );
    await expectCode(
      server.call('GET', '/video/tasks', undefined, { authorization: `Bearer ${revokedKey}` }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('accepts the scheme in any case', async () => {
    const ok = await server.call('POST', '/video/generate', body, { authorization: `bearer ${server.key}` });
    expect(ok.status).toBe(200);
  });

  it('checks the key before reading the body', async () => {
    await expectCode(
      server.call('POST', '/video/generate', '{not json', { authorization: 'Bearer nope-nope-nope-nope' }),
      401,
      'UNAUTHORIZED',
    );
  });
});

describe('endpoints', () => {
  it('404 for an unknown endpoint and for one the key may not use, alike', async () => {
    const unknown = await server.call('POST', `${server.basePath}/NoSuchEndpoint12/video/generate`, body);
    const foreign = await server.call('POST', `${server.basePath}/${otherEndpoint}/video/generate`, body);
    expect(unknown.status).toBe(404);
    expect(foreign.status).toBe(404);
    expect(unknown.body.error.code).toBe('ENDPOINT_NOT_FOUND');
    expect(foreign.body.error).toMatchObject({ code: unknown.body.error.code, message: unknown.body.error.message });
  });

  it('404 for paths that are not endpoint paths, including encoded traversal', async () => {
    for (const path of ['..%2F..%2Fetc', 'a%00b', 'x']) {
      const response = await server.call('GET', `${server.basePath}/${path}/video/tasks`);
      expect(response.status, path).toBe(404);
    }
  });
});

describe('tasks across endpoints', () => {
  it('a task is visible through its endpoint only, to any key granted there', async () => {
    const { body: created } = await server.call('POST', `${server.basePath}/${otherEndpoint}/video/generate`, body, {
      authorization: `Bearer ${otherKey}`,
    });
    expect(created.taskId).toEqual(expect.any(String));
    // Same task, the main key on its own endpoint: 404 like an unknown task.
    await expectCode(server.call('GET', `/video/tasks/${created.taskId}`), 404, 'TASK_NOT_FOUND');
    await expectCode(server.call('DELETE', `/video/tasks/${created.taskId}`), 404, 'TASK_NOT_FOUND');
    await expectCode(server.call('GET', '/video/tasks/AAAAAAAAAAAAAAAAAAAAAA'), 404, 'TASK_NOT_FOUND');
    await expectCode(server.call('GET', '/video/tasks/1234abcd'), 404, 'TASK_NOT_FOUND');
    const own = await server.call(
      'GET',
      `${server.basePath}/${otherEndpoint}/video/tasks/${created.taskId}`,
      undefined,
      {
        authorization: `Bearer ${otherKey}`,
      },
    );
    expect(own.status).toBe(200);
  });

  it('task ids are unguessable: 128 random bits after the creation time, URL-safe', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await server.call('POST', '/video/generate', body)).body.taskId);
    expect(ids.size).toBe(5);
    for (const id of ids) expect(id).toMatch(/^[0-9a-v]{10}[A-Za-z0-9_-]{22}$/);
  });
});
