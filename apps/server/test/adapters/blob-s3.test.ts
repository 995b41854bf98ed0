/**
 * What only the S3 store shows: multipart uploads, content types, the 7-day presign cap, the boot
 * check's messages, and an S3 server that dies mid-transfer.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createS3BlobStore,
  openS3BlobStore,
  PRESIGN_MAX_SECONDS,
  presignWindow,
  S3BlobError,
  type S3BlobStoreOptions,
  S3BucketError,
} from '../../src/adapters/blob-s3/index.ts';
import { createS3Client } from '../../src/adapters/blob-s3/s3-client.ts';
import { systemClock } from '../../src/ports/clock.ts';
import { collect } from '../conformance/fixtures.ts';
import { s3UrlExpiry, startTestS3, type TestS3 } from '../support/s3-server.ts';
import { tempDir } from '../support/temp-dir.ts';

const MIB = 1024 * 1024;
let s3: TestS3;
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  [s3, dir] = await Promise.all([startTestS3(), tempDir('vidforge-blob-s3-')]);
});
afterAll(async () => {
  await s3?.stop();
  await dir?.remove();
});

async function source(bytes: Buffer): Promise<string> {
  const path = join(dir.path, randomBytes(6).toString('hex'));
  await writeFile(path, bytes);
  return path;
}

async function optionsFor(server: TestS3, overrides: Partial<S3BlobStoreOptions> = {}): Promise<S3BlobStoreOptions> {
  return {
    bucket: await server.createBucket(),
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: server.credentials,
    partSizeBytes: 5 * MIB,
    clock: systemClock,
    ...overrides,
  };
}

describe('s3 blob store', () => {
  it('uploads a file larger than the part size in parts and reads it back byte-identical', async () => {
    const blobs = await openS3BlobStore(await optionsFor(s3));
    try {
      const bytes = randomBytes(11 * MIB + 123);
      const info = await blobs.putFile('results/big.mp4', await source(bytes), 'video/mp4');
      // A multipart object's ETag is the digest of its parts' digests, suffixed with their count.
      expect(info.etag).toMatch(/-3$/);
      expect(info.size).toBe(bytes.length);
      expect((await collect((await blobs.read('results/big.mp4'))!)).equals(bytes)).toBe(true);
      const tail = await collect((await blobs.read('results/big.mp4', { start: 11 * MIB, end: 20 * MIB }))!);
      expect(tail.equals(bytes.subarray(11 * MIB))).toBe(true);
    } finally {
      blobs.close();
    }
  });

  it('stores the content type, and its presigned URLs carry it', async () => {
    const blobs = await openS3BlobStore(await optionsFor(s3));
    try {
      await blobs.putFile('results/typed.mp4', await source(Buffer.from('not really a video')), 'video/mp4');
      const response = await fetch((await blobs.urlFor('results/typed.mp4', { expiresAt: Date.now() + 60_000 })).url);
      expect(response.headers.get('content-type')).toBe('video/mp4');
      expect(await response.text()).toBe('not really a video');
    } finally {
      blobs.close();
    }
  });

  it('presigns PUTs that write a key once, with the signed type, path-style; 7 days at most', async () => {
    const options = await optionsFor(s3);
    const blobs = createS3BlobStore(createS3Client(options), options);
    try {
      const asked = { expiresAt: Date.now() + 60_000, contentType: 'video/mp4', maxBytes: 1000 };
      const upload = await blobs.uploadUrlFor('results/up/1.mp4', asked);
      expect(upload.url.startsWith(`${s3.endpoint}/${options.bucket}/results/up/1.mp4?`)).toBe(true);
      expect(upload.expiresAt).toBe(s3UrlExpiry(upload.url));
      expect(upload.expiresAt).toBeLessThanOrEqual(asked.expiresAt);
      const send = (body: string) => fetch(upload.url, { method: 'PUT', headers: upload.headers, body });
      expect((await send('first')).status).toBe(200);
      // If-None-Match: * — the object, once there, cannot be replaced through the URL.
      expect((await send('second')).status).toBe(412);
      expect(await blobs.stat('results/up/1.mp4')).toMatchObject({ size: 5, contentType: 'video/mp4' });
      const long = await blobs.uploadUrlFor('results/up/2.mp4', { ...asked, expiresAt: Date.now() + 30 * 86_400_000 });
      expect(new URL(long.url).searchParams.get('X-Amz-Expires')).toBe(String(PRESIGN_MAX_SECONDS));
      await expect(blobs.uploadUrlFor('../escape', asked)).rejects.toThrow();
    } finally {
      blobs.close();
    }
  });

  it('presigns keys with unusual characters so that they download', async () => {
    const blobs = await openS3BlobStore(await optionsFor(s3));
    try {
      for (const key of ['odd/a.b/..c/d..', 'odd/-_.-_', 'x.-/_']) {
        await blobs.putFile(key, await source(Buffer.from(key)), 'text/plain');
        const response = await fetch((await blobs.urlFor(key, { expiresAt: Date.now() + 60_000 })).url);
        expect(response.status, key).toBe(200);
        expect(await response.text(), key).toBe(key);
      }
    } finally {
      blobs.close();
    }
  });

  it('caps presigned URLs at 7 days', async () => {
    const options = await optionsFor(s3);
    const blobs = createS3BlobStore(createS3Client(options), options);
    try {
      const { url, expiresAt } = await blobs.urlFor('results/a.mp4', { expiresAt: Date.now() + 30 * 86_400_000 });
      expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe(String(PRESIGN_MAX_SECONDS));
      expect(s3UrlExpiry(url)).toBe(expiresAt);
    } finally {
      blobs.close();
    }
  });
});

describe('presignWindow', () => {
  const now = Date.UTC(2030, 0, 1, 12, 0, 0, 700);
  it('rounds the expiry down to the second, never past what was asked', () => {
    expect(presignWindow(now, now + 60_000)).toEqual({
      signingDate: new Date(now - 700),
      expiresIn: 60,
      expiresAt: now - 700 + 60_000,
    });
  });

  it('caps the lifetime at 7 days', () => {
    const window = presignWindow(now, now + 8 * 86_400_000);
    expect(window.expiresIn).toBe(PRESIGN_MAX_SECONDS);
    expect(window.expiresAt).toBe(now - 700 + PRESIGN_MAX_SECONDS * 1000);
  });

  it('dates back a URL with less than a second left, or none, instead of outliving the ask', () => {
    for (const asked of [now + 200, now - 60_000]) {
      const window = presignWindow(now, asked);
      expect(window.expiresIn).toBe(1);
      expect(window.expiresAt).toBeLessThanOrEqual(asked);
      expect(window.expiresAt).toBeGreaterThan(asked - 1000);
    }
  });
});

describe('the boot check', () => {
  it('names the bucket and the endpoint when the bucket does not exist', async () => {
    const options = { ...(await optionsFor(s3)), bucket: 'vidforge-no-such-bucket' };
    const error = await openS3BlobStore(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3BucketError);
    expect((error as Error).message).toBe(
      `bucket "vidforge-no-such-bucket" at ${s3.endpoint} does not exist; create it first`,
    );
  });

  it('says in one line that an endpoint is not reachable', async () => {
    const options = { ...(await optionsFor(s3)), endpoint: 'http://127.0.0.1:9' };
    const error = await openS3BlobStore(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3BucketError);
    expect((error as Error).message).toMatch(
      /^bucket "vidforge-test-\w+" at http:\/\/127\.0\.0\.1:9 is not reachable \(.*ECONNREFUSED.*\)$/,
    );
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('an S3 server that goes away', () => {
  it('fails a transfer in progress and every later call with a clear error, and nothing crashes', async () => {
    const doomed = await startTestS3({ killable: true });
    const blobs = await openS3BlobStore({ ...(await optionsFor(doomed)), partSizeBytes: 5 * MIB });
    try {
      await blobs.putFile('results/long.mp4', await source(randomBytes(40 * MIB)), 'video/mp4');
      const stream = (await blobs.read('results/long.mp4'))!;
      // The first bytes arrive, then the server dies with most of the body unsent.
      await new Promise((resolve) => stream.once('readable', resolve));
      doomed.kill();
      await expect(collect(stream)).rejects.toThrow();

      const calls: [string, () => Promise<unknown>][] = [
        ['HeadObject', () => blobs.stat('results/long.mp4')],
        ['GetObject', () => blobs.read('results/long.mp4')],
        ['upload', async () => blobs.putFile('results/new.mp4', await source(Buffer.from('x')), 'video/mp4')],
        ['DeleteObject', () => blobs.delete('results/long.mp4')],
        [
          'ListObjectsV2',
          async () => {
            for await (const _ of blobs.list('')) break;
          },
        ],
      ];
      for (const [operation, call] of calls) {
        const error = await call().catch((e: unknown) => e);
        expect(error, operation).toBeInstanceOf(S3BlobError);
        expect((error as Error).message, operation).toMatch(
          new RegExp(
            `^S3 ${operation} of ".*" in bucket "vidforge-test-\\w+" at ${doomed.endpoint} failed: .*ECONNREFUSED`,
          ),
        );
      }
      // Presigning needs no server: URLs can still be handed out (they fail at the server).
      expect((await blobs.urlFor('results/long.mp4', { expiresAt: Date.now() + 60_000 })).url).toContain(
        doomed.endpoint,
      );
    } finally {
      blobs.close();
      await doomed.stop();
    }
  });
});
