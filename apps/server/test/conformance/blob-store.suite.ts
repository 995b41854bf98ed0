/** BlobStore conformance: atomic puts, ranged reads, idempotent deletes, safe keys. */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import { tempDir } from '../support/temp-dir.ts';
import { collect } from './fixtures.ts';

export interface BlobFixture {
  blobs: BlobStore;
  cleanup(): Promise<void>;
}

/** Keys that must be refused by every method: traversal, absolute paths, odd characters. */
export const UNSAFE_KEYS = ['../escape', 'a/../../b', '/etc/passwd', 'a//b', 'a/./b', '', 'a\\b', 'sp ace', 'a/', 'x~'];

export function blobStoreSuite(name: string, factory: () => Promise<BlobFixture>): void {
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
      }
    });
  });
}
