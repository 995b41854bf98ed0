/**
 * BlobStore conformance: atomic puts, ranged reads, idempotent deletes, safe keys, listing by
 * prefix, and URLs that a plain HTTP client downloads from until they expire.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobEntry, BlobStore } from '../../src/ports/blob-store.ts';
import { tempDir } from '../support/temp-dir.ts';
import { collect } from './fixtures.ts';

export interface BlobFixture {
  blobs: BlobStore;
  cleanup(): Promise<void>;
}

export interface BlobSuiteOptions {
  /** The longest a URL of this store may live. */
  maxUrlTtlMs: number;
  /** The expiry a URL itself states (epoch ms), read from the URL. */
  urlExpiry(url: string): number;
  /** Whether the server behind the URLs refuses an expired one (moto checks no presigned URL). */
  refusesExpiredUrls: boolean;
}

/** URLs are asked for result keys: the local store serves results only (local-media-urls.ts). */
const resultKey = () => `results/${randomBytes(16).toString('base64url')}.mp4`;

async function listed(blobs: BlobStore, prefix: string): Promise<BlobEntry[]> {
  const entries: BlobEntry[] = [];
  for await (const entry of blobs.list(prefix)) entries.push(entry);
  return entries.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** Keys that must be refused by every method: traversal, absolute paths, odd characters. */
export const UNSAFE_KEYS = ['../escape', 'a/../../b', '/etc/passwd', 'a//b', 'a/./b', '', 'a\\b', 'sp ace', 'a/', 'x~'];

export function blobStoreSuite(name: string, factory: () => Promise<BlobFixture>, options: BlobSuiteOptions): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let fx: BlobFixture;
    let sources: Awaited<ReturnType<typeof tempDir>>;
    beforeEach(async () => {
      fx = await factory();
      sources = await tempDir('vidforge-blob-src-');
    });
    afterEach(async () => {
      await fx.cleanup();
      await sources.remove();
    });

    async function source(bytes: Buffer): Promise<string> {
      const path = join(sources.path, randomBytes(6).toString('hex'));
      await writeFile(path, bytes);
      return path;
    }

    it('stores a file and reads it back whole', async () => {
      const bytes = randomBytes(200_000);
      const info = await fx.blobs.putFile('results/task-1.mp4', await source(bytes), 'video/mp4');
      expect(info.size).toBe(bytes.length);
      expect(info.etag).toMatch(/^[^"\s]+$/);
      expect(typeof info.modifiedAt).toBe('number');
      expect(await fx.blobs.stat('results/task-1.mp4')).toEqual(info);
      expect((await collect((await fx.blobs.read('results/task-1.mp4'))!)).equals(bytes)).toBe(true);
    });

    it('reads inclusive ranges, clamping an end past the last byte', async () => {
      const bytes = randomBytes(1000);
      await fx.blobs.putFile('r/a.bin', await source(bytes), 'application/octet-stream');
      const read = async (start: number, end: number) => collect((await fx.blobs.read('r/a.bin', { start, end }))!);
      expect((await read(0, 0)).equals(bytes.subarray(0, 1))).toBe(true);
      expect((await read(10, 19)).equals(bytes.subarray(10, 20))).toBe(true);
      expect((await read(990, 999)).equals(bytes.subarray(990))).toBe(true);
      expect((await read(995, 5000)).equals(bytes.subarray(995))).toBe(true);
    });

    it('answers null for a missing key', async () => {
      expect(await fx.blobs.stat('results/none.mp4')).toBeNull();
      expect(await fx.blobs.read('results/none.mp4')).toBeNull();
      expect(await fx.blobs.read('results/none.mp4', { start: 0, end: 1 })).toBeNull();
    });

    it('overwrites the same key with a new validator', async () => {
      const first = await fx.blobs.putFile('k.bin', await source(Buffer.from('first version')), 'text/plain');
      const second = await fx.blobs.putFile('k.bin', await source(Buffer.from('second, longer version')), 'text/plain');
      expect(second.etag).not.toBe(first.etag);
      expect((await collect((await fx.blobs.read('k.bin'))!)).toString()).toBe('second, longer version');
    });

    it('stores an empty file', async () => {
      const info = await fx.blobs.putFile('empty.bin', await source(Buffer.alloc(0)), 'application/octet-stream');
      expect(info.size).toBe(0);
      expect((await collect((await fx.blobs.read('empty.bin'))!)).length).toBe(0);
    });

    it('deletes idempotently', async () => {
      await fx.blobs.putFile('d/x.bin', await source(Buffer.from('x')), 'text/plain');
      await fx.blobs.delete('d/x.bin');
      expect(await fx.blobs.stat('d/x.bin')).toBeNull();
      await fx.blobs.delete('d/x.bin');
      await fx.blobs.delete('never/was.bin');
    });

    it('fails a put from a missing source and leaves no object', async () => {
      await expect(fx.blobs.putFile('m.bin', join(sources.path, 'missing'), 'text/plain')).rejects.toThrow();
      expect(await fx.blobs.stat('m.bin')).toBeNull();
    });

    it('refuses unsafe keys in every method', async () => {
      const path = await source(Buffer.from('x'));
      for (const key of UNSAFE_KEYS) {
        await expect(fx.blobs.putFile(key, path, 'text/plain'), key).rejects.toThrow();
        await expect(fx.blobs.stat(key), key).rejects.toThrow();
        await expect(fx.blobs.read(key), key).rejects.toThrow();
        await expect(fx.blobs.delete(key), key).rejects.toThrow();
        await expect(fx.blobs.urlFor(key, { expiresAt: Date.now() + 60_000 }), key).rejects.toThrow();
      }
      for (const prefix of ['../', 'a/../', '/etc', 'a//', 'sp ace', 'x~']) {
        await expect(listed(fx.blobs, prefix), prefix).rejects.toThrow();
      }
    });

    it('refuses a range that starts past the end, and any range of an empty object', async () => {
      await fx.blobs.putFile('r/ten.bin', await source(Buffer.alloc(10)), 'application/octet-stream');
      await fx.blobs.putFile('r/none.bin', await source(Buffer.alloc(0)), 'application/octet-stream');
      await expect(fx.blobs.read('r/ten.bin', { start: 10, end: 20 })).rejects.toThrow(RangeError);
      await expect(fx.blobs.read('r/ten.bin', { start: 5, end: 4 })).rejects.toThrow(RangeError);
      await expect(fx.blobs.read('r/ten.bin', { start: -1, end: 4 })).rejects.toThrow(RangeError);
      await expect(fx.blobs.read('r/none.bin', { start: 0, end: 0 })).rejects.toThrow(RangeError);
    });

    it('keeps keys with unusual but valid characters apart', async () => {
      const keys = ['odd/a.b/..c/d..', 'odd/-_.-_', 'odd/A-a', 'odd/a-A'];
      for (const [i, key] of keys.entries()) await fx.blobs.putFile(key, await source(Buffer.from(`#${i}`)), 'x/y');
      for (const [i, key] of keys.entries()) {
        expect((await collect((await fx.blobs.read(key))!)).toString(), key).toBe(`#${i}`);
      }
      expect((await listed(fx.blobs, 'odd/')).map((e) => e.key)).toEqual([...keys].sort());
    });

    it('lists the objects under a prefix with their sizes and times', async () => {
      const sizes: Record<string, number> = { 'l/a.bin': 3, 'l/b/c.bin': 5, 'l/bb.bin': 7, 'lx.bin': 1, 'o/z.bin': 2 };
      for (const [key, size] of Object.entries(sizes))
        await fx.blobs.putFile(key, await source(randomBytes(size)), 'x/y');
      const keysOf = async (prefix: string) => (await listed(fx.blobs, prefix)).map((e) => e.key);
      expect(await keysOf('l/')).toEqual(['l/a.bin', 'l/b/c.bin', 'l/bb.bin']);
      expect(await keysOf('l/b')).toEqual(['l/b/c.bin', 'l/bb.bin']);
      expect(await keysOf('l')).toEqual(['l/a.bin', 'l/b/c.bin', 'l/bb.bin', 'lx.bin']);
      expect(await keysOf('')).toEqual(Object.keys(sizes).sort());
      expect(await keysOf('nothing/')).toEqual([]);
      for (const entry of await listed(fx.blobs, '')) {
        const info = (await fx.blobs.stat(entry.key))!;
        expect(entry, entry.key).toEqual({ key: entry.key, size: sizes[entry.key], modifiedAt: info.modifiedAt });
      }
      await fx.blobs.delete('l/b/c.bin');
      expect(await keysOf('l/b')).toEqual(['l/bb.bin']);
    });

    it('gives a URL that a plain fetch downloads, ranges included', async () => {
      const bytes = randomBytes(100_000);
      const key = resultKey();
      await fx.blobs.putFile(key, await source(bytes), 'video/mp4');
      const { url } = await fx.blobs.urlFor(key, { expiresAt: Date.now() + 10 * 60_000 });
      const whole = await fetch(url);
      expect(whole.status).toBe(200);
      expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
      const part = await fetch(url, { headers: { range: 'bytes=1000-1999' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${bytes.length}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(1000, 2000))).toBe(true);
    });

    it('downloads an empty object', async () => {
      const key = resultKey();
      await fx.blobs.putFile(key, await source(Buffer.alloc(0)), 'video/mp4');
      const response = await fetch((await fx.blobs.urlFor(key, { expiresAt: Date.now() + 60_000 })).url);
      expect(response.status).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBe(0);
    });

    it('states the expiry of the URL: what was asked, or earlier, never later', async () => {
      const key = resultKey();
      await fx.blobs.putFile(key, await source(Buffer.from('x')), 'video/mp4');
      const asked = Date.now() + 5 * 60_000 + 123;
      const short = await fx.blobs.urlFor(key, { expiresAt: asked });
      expect(short.expiresAt).toBeLessThanOrEqual(asked);
      expect(short.expiresAt).toBeGreaterThan(asked - 2000);
      expect(options.urlExpiry(short.url)).toBe(short.expiresAt);

      const before = Date.now();
      const long = await fx.blobs.urlFor(key, { expiresAt: before + 30 * 24 * 60 * 60_000 });
      expect(long.expiresAt).toBeLessThanOrEqual(Date.now() + options.maxUrlTtlMs);
      expect(long.expiresAt).toBeGreaterThan(before + options.maxUrlTtlMs - 2000);
      expect(options.urlExpiry(long.url)).toBe(long.expiresAt);
      const response = await fetch(long.url);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).toString()).toBe('x');
    });

    it('gives an expired URL for a time already past', async () => {
      const key = resultKey();
      await fx.blobs.putFile(key, await source(Buffer.from('x')), 'video/mp4');
      const now = Date.now();
      const { url, expiresAt } = await fx.blobs.urlFor(key, { expiresAt: now - 60_000 });
      expect(expiresAt).toBeLessThanOrEqual(now - 60_000);
      expect(options.urlExpiry(url)).toBe(expiresAt);
    });

    it.runIf(options.refusesExpiredUrls)('serves nothing from an expired URL', async () => {
      const key = resultKey();
      await fx.blobs.putFile(key, await source(Buffer.from('x')), 'video/mp4');
      const { url } = await fx.blobs.urlFor(key, { expiresAt: Date.now() - 60_000 });
      const response = await fetch(url);
      expect(response.status).toBe(403);
      await response.arrayBuffer();
    });
  });
}
