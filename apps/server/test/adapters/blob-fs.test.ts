/** What only the local-directory store can show: where files land, atomic replacement, no temp leftovers. */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blobKeySegments, createFsBlobStore, InvalidBlobKeyError } from '../../src/adapters/blob-fs/index.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import { UNSAFE_KEYS } from '../conformance/blob-store.suite.ts';
import { collect } from '../conformance/fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let root: string;
let blobs: BlobStore;
beforeEach(async () => {
  dir = await tempDir('vidforge-blob-fs-');
  root = join(dir.path, 'store');
  blobs = createFsBlobStore(root);
});
afterEach(async () => {
  await dir.remove();
});

async function source(bytes: Buffer): Promise<string> {
  const path = join(dir.path, `src-${randomBytes(6).toString('hex')}`);
  await writeFile(path, bytes);
  return path;
}

describe('blob keys', () => {
  it('accepts plain relative paths', () => {
    expect(blobKeySegments('results/abc_DEF-1.mp4')).toEqual(['results', 'abc_DEF-1.mp4']);
    expect(blobKeySegments('a.b/..c/d..')).toEqual(['a.b', '..c', 'd..']);
  });

  it('refuses traversal, absolute paths and other characters', () => {
    for (const key of [...UNSAFE_KEYS, '..', '.', 'a/..', 'é', 'a:b', 'x'.repeat(1025)]) {
      expect(() => blobKeySegments(key), key).toThrow(InvalidBlobKeyError);
    }
  });
});

describe('fs blob store', () => {
  it('writes the file at the key path under the root, and nothing else', async () => {
    await blobs.putFile('results/t1.mp4', await source(Buffer.from('video')), 'video/mp4');
    expect(await readFile(join(root, 'results', 't1.mp4'), 'utf8')).toBe('video');
    expect(await readdir(join(root, 'results'))).toEqual(['t1.mp4']);
    await expect(blobs.putFile('../outside.mp4', await source(Buffer.from('x')), 'video/mp4')).rejects.toThrow(
      InvalidBlobKeyError,
    );
    expect((await readdir(dir.path)).sort()).not.toContain('outside.mp4');
  });

  it('removes a directory its delete left empty, and only that', async () => {
    await blobs.putFile('results/t1/1.mp4', await source(Buffer.from('a')), 'video/mp4');
    await blobs.putFile('results/t1/2.mp4', await source(Buffer.from('b')), 'video/mp4');
    await blobs.putFile('results/t2/1.mp4', await source(Buffer.from('c')), 'video/mp4');
    await blobs.delete('results/t1/1.mp4');
    expect((await readdir(join(root, 'results'))).sort()).toEqual(['t1', 't2']);
    await blobs.delete('results/t1/2.mp4');
    expect(await readdir(join(root, 'results'))).toEqual(['t2']);
    await blobs.delete('results/t2/1.mp4');
    expect(await readdir(root)).toEqual([]);
    // A put right after goes into a directory made again.
    await blobs.putFile('results/t1/3.mp4', await source(Buffer.from('d')), 'video/mp4');
    expect((await collect((await blobs.read('results/t1/3.mp4'))!)).toString()).toBe('d');
  });

  it('leaves no temporary files after many puts, concurrent ones included', async () => {
    const contents = Array.from({ length: 8 }, (_, i) => Buffer.alloc(50_000 + i, i));
    await Promise.all(contents.map(async (bytes) => blobs.putFile('k/same.bin', await source(bytes), 'x/y')));
    expect(await readdir(join(root, 'k'))).toEqual(['same.bin']);
    const stored = await collect((await blobs.read('k/same.bin'))!);
    // One of the puts won whole; no mix of two.
    expect(contents.some((bytes) => bytes.equals(stored))).toBe(true);
  });

  it('lets a reader that started before an overwrite finish with the old bytes', async () => {
    const old = randomBytes(3_000_000);
    await blobs.putFile('v.bin', await source(old), 'x/y');
    const reading = (await blobs.read('v.bin'))!;
    await blobs.putFile('v.bin', await source(randomBytes(10)), 'x/y');
    expect((await collect(reading)).equals(old)).toBe(true);
    expect((await blobs.stat('v.bin'))?.size).toBe(10);
  });

  it('lists no temporary files and no directories', async () => {
    await blobs.putFile('t/a.bin', await source(Buffer.from('x')), 'x/y');
    await writeFile(join(root, 't', 'a.bin.~0123456789abcdef~'), 'half a put');
    const keys: string[] = [];
    for await (const entry of blobs.list('t')) keys.push(entry.key);
    expect(keys).toEqual(['t/a.bin']);
  });

  it('has no URLs without a signer, and URLs for result keys only with one', async () => {
    await expect(blobs.urlFor('results/abcdefghijklmnop.mp4', { expiresAt: Date.now() + 1000 })).rejects.toThrow(
      /without a URL signer/,
    );
  });

  it('has no upload URLs: uploads come through the API (and refuses unsafe keys there too)', async () => {
    const options = { expiresAt: Date.now() + 60_000, contentType: 'video/mp4', maxBytes: 1000 };
    expect(await blobs.uploadUrlFor('results/t1/1.mp4', options)).toBeNull();
    await expect(blobs.uploadUrlFor('../outside.mp4', options)).rejects.toThrow(InvalidBlobKeyError);
  });

  it('treats a directory as no blob', async () => {
    await blobs.putFile('dir/inner.bin', await source(Buffer.from('x')), 'x/y');
    expect(await blobs.stat('dir')).toBeNull();
    expect(await blobs.read('dir')).toBeNull();
  });
});
