/**
 * `uploadFile` against a real server: paths (Node), Blobs, typed arrays and ArrayBuffers arrive
 * byte for byte and their URL works as a source; unreadable paths fail before any request, and
 * the server's refusals arrive as typed errors. A lost attempt sends the whole file again.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Vidforge as CoreVidforge, InvalidRequestError } from '@vidforge/sdk';
import { type Fixtures, makeFixtures } from '@vidforge/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_POLL, type SdkServer, startSdkServer } from './support/sdk-server.ts';

let env: SdkServer;
let fixtures: Fixtures;

beforeAll(async () => {
  [env, fixtures] = await Promise.all([startSdkServer(), makeFixtures()]);
});
afterAll(async () => {
  await env?.stop();
  await fixtures?.remove();
});

describe('uploadFile', () => {
  it('uploads a path, and the URL is a source of a real generate', async () => {
    const png = await readFile(fixtures.png);
    const preview = env.client({ endpointPath: env.server.previewEndpointPath });
    const upload = await preview.uploadFile(fixtures.png);
    expect(upload).toMatchObject({ kind: 'image', contentType: 'image/png', size: png.length });
    const task = await preview.generateAndWait(
      { prompt: 'From a photo', config: { sourceImage: upload.url }, settings: { aspectRatio: '1:1' } },
      FAST_POLL,
    );
    expect(task.video).toMatchObject({ width: 720, height: 720 });
  });

  it('takes a Blob, a File, a typed array (a view into a larger buffer) and an ArrayBuffer in the core entry', async () => {
    const mp4 = await readFile(fixtures.mp4);
    const core = new CoreVidforge({
      baseUrl: env.server.basePath,
      endpointPath: env.server.endpointPath,
      accessKey: env.server.key,
    });
    const padded = new Uint8Array(mp4.length + 20);
    padded.set(mp4, 10);
    const sources = [
      new Blob([new Uint8Array(mp4)]),
      new File([new Uint8Array(mp4)], 'clip.mp4', { type: 'video/mp4' }),
      padded.subarray(10, 10 + mp4.length),
      new Uint8Array(mp4).buffer,
    ];
    for (const source of sources) {
      expect(await core.uploadFile(source)).toMatchObject({
        kind: 'video',
        contentType: 'video/mp4',
        size: mp4.length,
      });
    }
    await expect(core.uploadFile('not a file' as never)).rejects.toThrow(TypeError);
  });

  it('fails on a path it cannot read before sending anything', async () => {
    let requests = 0;
    const client = env.client({
      fetch: (input, init) => {
        requests++;
        return fetch(input, init);
      },
    });
    await expect(client.uploadFile(join(fixtures.dir, 'missing.png'))).rejects.toMatchObject({ code: 'ENOENT' });
    const folder = join(fixtures.dir, 'a-folder');
    await mkdir(folder);
    await expect(client.uploadFile(folder)).rejects.toMatchObject({ code: 'EISDIR' });
    expect(requests).toBe(0);
  });

  it("turns the server's refusals into InvalidRequestError with the status and code", async () => {
    const client = env.client();
    const cases: [Uint8Array, number, string][] = [
      [new Uint8Array(0), 400, 'INVALID_REQUEST'],
      [new TextEncoder().encode('#!/bin/sh\nrm -rf /\n'.repeat(10)), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [(await readFile(fixtures.png)).subarray(0, 20), 400, 'INVALID_REQUEST'],
    ];
    for (const [bytes, status, code] of cases) {
      const error = await client.uploadFile(bytes).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error).toMatchObject({ status, code });
    }
  });

  it('retries a lost attempt with the whole file', async () => {
    const sizes: number[] = [];
    const client = env.client({
      fetch: async (input, init) => {
        sizes.push((init?.body as Blob | undefined)?.size ?? 0);
        if (sizes.length === 1) throw new TypeError('fetch failed');
        return fetch(input, init);
      },
    });
    const upload = await client.uploadFile(fixtures.jpeg);
    expect(upload.contentType).toBe('image/jpeg');
    expect(sizes).toEqual([upload.size, upload.size]);
  });
});
