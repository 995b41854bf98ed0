/**
 * Every validation rule of CONTRACT.md Part B, through real HTTP: strict types (no coercion),
 * unknown fields named, limits, defaults, and that a rejected request never creates a task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_WORKERS: '0' } });
});
afterAll(() => server.stop());

const generate = (body: unknown) => server.call('POST', '/video/generate', body);
const extend = (body: unknown) => server.call('POST', '/video/extend', body);
const upscale = (body: unknown) => server.call('POST', '/video/upscale', body);

async function expectInvalid(response: Promise<{ status: number; body: any }>, path: string, message?: RegExp) {
  const { status, body } = await response;
  expect(status, JSON.stringify(body)).toBe(400);
  expect(body.error.code).toBe('INVALID_PARAMETER');
  const detail = body.error.details.find((d: { path: string }) => d.path === path);
  expect(detail, `no detail for ${path}: ${JSON.stringify(body.error.details)}`).toBeDefined();
  if (message) expect(detail.message).toMatch(message);
  expect(body.error.requestId).toEqual(expect.any(String));
}

describe('generate', () => {
  it('accepts the minimal body and applies the defaults', async () => {
    const { status, body } = await generate({ prompt: '  a sunset ' });
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['taskId']);
    const task = await server.call('GET', `/video/tasks/${body.taskId}`);
    expect(task.body).toMatchObject({
      status: 'PENDING',
      progress: 0,
      mediaUrl: null,
      expireTime: null,
      type: 'generate',
    });
    expect(task.body.seed).toBeGreaterThanOrEqual(0);
    expect(task.body.seed).toBeLessThanOrEqual(4294967295);
    // The task shows what it was made with: trimmed, defaults filled in, the seed actually used.
    expect(task.body.request).toEqual({
      prompt: 'a sunset',
      settings: { seed: task.body.seed, duration: 2, aspectRatio: '16:9' },
    });
  });

  it('rejects a missing, empty or whitespace prompt', async () => {
    await expectInvalid(generate({}), 'prompt', /required/);
    await expectInvalid(generate({ prompt: '' }), 'prompt', /empty/);
    await expectInvalid(generate({ prompt: '   \n\t ' }), 'prompt', /empty/);
  });

  it('limits prompt and negativePrompt to 2000 characters after trimming', async () => {
    expect((await generate({ prompt: `  ${'a'.repeat(2000)}  ` })).status).toBe(200);
    expect((await generate({ prompt: '😀'.repeat(2000) })).status).toBe(200);
    await expectInvalid(generate({ prompt: 'a'.repeat(2001) }), 'prompt', /2000/);
    await expectInvalid(generate({ prompt: 'x', negativePrompt: 'n'.repeat(2001) }), 'negativePrompt', /2000/);
  });

  it('does not coerce types', async () => {
    await expectInvalid(generate({ prompt: 42 }), 'prompt', /string/);
    await expectInvalid(generate({ prompt: 'x', settings: { duration: '2' } }), 'settings.duration', /number/);
    await expectInvalid(generate({ prompt: 'x', settings: { seed: '42' } }), 'settings.seed', /number/);
    await expectInvalid(generate({ prompt: 'x', settings: { seed: true } }), 'settings.seed');
    await expectInvalid(generate({ prompt: 'x', settings: null }), 'settings');
    await expectInvalid(generate({ prompt: 'x', config: [] }), 'config');
  });

  it('names unknown fields at every level', async () => {
    await expectInvalid(
      generate({ prompt: 'x', settings: { aspect_ratio: '9:16' } }),
      'settings.aspect_ratio',
      /unknown field "aspect_ratio"/,
    );
    await expectInvalid(generate({ prompt: 'x', promt: 'y' }), 'promt', /unknown field/);
    await expectInvalid(
      generate({ prompt: 'x', config: { sourceVideo: 'https://a.example/v.mp4' } }),
      'config.sourceVideo',
      /unknown/,
    );
  });

  it('checks seed range and integrality', async () => {
    for (const seed of [-1, 0, 4294967295])
      expect((await generate({ prompt: 'x', settings: { seed } })).status).toBe(200);
    await expectInvalid(generate({ prompt: 'x', settings: { seed: -2 } }), 'settings.seed');
    await expectInvalid(generate({ prompt: 'x', settings: { seed: 4294967296 } }), 'settings.seed');
    await expectInvalid(generate({ prompt: 'x', settings: { seed: 1.5 } }), 'settings.seed', /integer/);
  });

  it('records the seed it was given', async () => {
    const { body } = await generate({ prompt: 'x', settings: { seed: 42 } });
    expect((await server.call('GET', `/video/tasks/${body.taskId}`)).body.seed).toBe(42);
  });

  it('allows only the listed durations and aspect ratios', async () => {
    for (const duration of [2, 4, 8])
      expect((await generate({ prompt: 'x', settings: { duration } })).status).toBe(200);
    for (const duration of [0, 1, 3, 2.5, 16])
      await expectInvalid(generate({ prompt: 'x', settings: { duration } }), 'settings.duration', /2, 4, 8/);
    for (const aspectRatio of ['16:9', '9:16', '3:4', '4:3', '1:1']) {
      expect((await generate({ prompt: 'x', settings: { aspectRatio } })).status).toBe(200);
    }
    await expectInvalid(generate({ prompt: 'x', settings: { aspectRatio: '21:9' } }), 'settings.aspectRatio');
  });

  it('checks source URLs', async () => {
    const bad = [
      'ftp://a.example/x.jpg',
      'file:///etc/passwd',
      '/relative.jpg',
      'not a url',
      'https://user:pw@a.example/x.jpg',
      `https://a.example/${'a'.repeat(2048)}`,
    ];
    for (const sourceImage of bad)
      await expectInvalid(generate({ prompt: 'x', config: { sourceImage } }), 'config.sourceImage');
    expect((await generate({ prompt: 'x', config: { sourceImage: 'https://a.example/x.jpg' } })).status).toBe(200);
  });

  it('reports every problem at once', async () => {
    const { body } = await generate({ prompt: '', settings: { duration: 3, aspectRatio: 'x', extra: 1 } });
    const paths = body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['prompt', 'settings.aspectRatio', 'settings.duration', 'settings.extra']);
  });
});

describe('upscale and extend', () => {
  it('upscale requires config.sourceVideo', async () => {
    await expectInvalid(upscale({}), 'config', /required/);
    await expectInvalid(upscale({ config: {} }), 'config.sourceVideo', /required/);
    await expectInvalid(
      upscale({ config: { sourceVideo: 'https://a.example/v.mp4' }, prompt: 'x' }),
      'prompt',
      /unknown/,
    );
    expect((await upscale({ config: { sourceVideo: 'https://a.example/v.mp4' } })).status).toBe(200);
  });

  it('extend applies defaults and checks extendDuration and guidanceScale', async () => {
    const ok = await extend({ config: { sourceVideo: 'https://a.example/v.mp4' } });
    expect(ok.status).toBe(200);
    for (const extendDuration of [2, 4]) {
      expect((await extend({ config: { sourceVideo: 'https://a.example/v.mp4', extendDuration } })).status).toBe(200);
    }
    await expectInvalid(
      extend({ config: { sourceVideo: 'https://a.example/v.mp4', extendDuration: 8 } }),
      'config.extendDuration',
      /2, 4/,
    );
    await expectInvalid(
      extend({ config: { sourceVideo: 'https://a.example/v.mp4', extendDuration: '4' } }),
      'config.extendDuration',
      /number/,
    );
    for (const guidanceScale of [0.5, 20.5, -1]) {
      await expectInvalid(
        extend({ config: { sourceVideo: 'https://a.example/v.mp4' }, settings: { guidanceScale } }),
        'settings.guidanceScale',
      );
    }
    expect(
      (await extend({ config: { sourceVideo: 'https://a.example/v.mp4' }, settings: { guidanceScale: 1 } })).status,
    ).toBe(200);
    await expectInvalid(
      extend({ config: { sourceVideo: 'https://a.example/v.mp4' }, prompt: '  ' }),
      'prompt',
      /empty/,
    );
  });
});

describe('the body itself', () => {
  it('rejects malformed JSON, non-objects and empty bodies with 400', async () => {
    for (const raw of ['{"prompt": ', 'null', '[]', '"text"', '42']) {
      const { status, body } = await generate(raw);
      expect(status, raw).toBe(400);
      expect(['INVALID_REQUEST', 'INVALID_PARAMETER']).toContain(body.error.code);
    }
    const empty = await server.call('POST', '/video/generate', '', { 'content-type': 'application/json' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('INVALID_REQUEST');
  });

  it('refuses prototype poisoning', async () => {
    const { status, body } = await generate('{"prompt":"x","__proto__":{"admin":true}}');
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_REQUEST');
  });

  it('rejects non-JSON content types with 415', async () => {
    const { status, body } = await server.call('POST', '/video/generate', 'prompt=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(status).toBe(415);
    expect(body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('rejects bodies over the limit with 413', async () => {
    const { status, body } = await generate({ prompt: 'x'.repeat(70 * 1024) });
    expect(status).toBe(413);
    expect(body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('never creates a task for a rejected request', async () => {
    const before = (await server.call('GET', '/video/tasks?limit=100')).body.tasks.length;
    await generate({ prompt: '' });
    await generate('{');
    await generate({ prompt: 'x', settings: { duration: 5 } });
    const after = (await server.call('GET', '/video/tasks?limit=100')).body.tasks.length;
    expect(after).toBe(before);
  });
});

describe('every response', () => {
  it('carries X-Request-Id, echoing a safe one', async () => {
    const own = await server.call('GET', '/video/tasks', undefined, { 'x-request-id': 'req-123' });
    expect(own.headers.get('x-request-id')).toBe('req-123');
    const unsafe = await server.call('GET', '/video/tasks', undefined, { 'x-request-id': `bad id ${'x'.repeat(200)}` });
    expect(unsafe.headers.get('x-request-id')).not.toContain(' ');
    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toBeTruthy();
    expect((await missing.json()).error.code).toBe('NOT_FOUND');
  });

  it('serves health, readiness and the OpenAPI document', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const doc = await (await fetch(`${server.url}/v1/openapi.json`)).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/v1/ai/{endpointPath}/video/generate');
  });
});
