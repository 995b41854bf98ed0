/**
 * Uploaded files: checked and stored, read back by the fetcher wrapper only through a genuine URL
 * of this server, any other URL passed on, and swept once older than the retention.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsBlobStore } from '../../src/adapters/blob-fs/fs-blob-store.ts';
import { EngineError, type LocalSource } from '../../src/engines/engine.ts';
import { parseMediaConfig } from '../../src/modules/media/media.config.ts';
import { createUrlSigner } from '../../src/modules/results/url-signer.ts';
import { createUploads, type UploadsDeps, withUploadedSources } from '../../src/modules/uploads/uploads.ts';
import { type Fixtures, makeFixtures } from '../media/fixtures.ts';
import { shiftableClock, tempDir } from '../support/index.ts';

const ORIGIN = 'http://127.0.0.1:9';
const RETENTION_MS = 7 * 24 * 3600_000;
let fixtures: Fixtures;
let dir: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  [fixtures, dir] = await Promise.all([makeFixtures(), tempDir()]);
});

afterAll(async () => {
  await fixtures?.remove();
  await dir?.remove();
});

function setup() {
  const clock = shiftableClock();
  const blobDir = join(dir.path, `blobs-${Math.random().toString(36).slice(2)}`);
  const blobs = createFsBlobStore(blobDir);
  const deps: UploadsDeps = {
    blobs,
    signer: createUrlSigner({ secrets: { k1: 'x'.repeat(32) }, currentKid: 'k1', maxTtlMs: 3600_000 }),
    clock,
    media: parseMediaConfig({}),
    publicUrl: () => ORIGIN,
    workRoot: dir.path,
    retentionMs: RETENTION_MS,
    log: { warn() {}, error() {} },
  };
  const passedOn: string[] = [];
  const fetcher = withUploadedSources(
    {
      async fetch(url): Promise<LocalSource> {
        passedOn.push(url);
        return { path: '/dev/null', kind: 'image', contentType: 'image/png', size: 0 };
      },
    },
    deps,
  );
  return { deps, clock, blobs, blobDir, uploads: createUploads(deps), fetcher, passedOn };
}

const work = () => mkdtemp(join(dir.path, 'work-'));
const signal = () => AbortSignal.timeout(30_000);

async function keys(blobs: ReturnType<typeof createFsBlobStore>): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of blobs.list('uploads/')) found.push(entry.key);
  return found;
}

describe('uploads', () => {
  it('stores a checked image and reads it back through its URL, also past the URL expiry', async () => {
    const { uploads, fetcher, clock } = setup();
    const stored = await uploads.store(createReadStream(fixtures.png), 'image', signal());
    expect(stored.url).toMatch(/^http:\/\/127\.0\.0\.1:9\/v1\/videos\/uploads\/[A-Za-z0-9_-]+\.png\?exp=/);
    expect(stored.media.video).toMatchObject({ width: 320, height: 180 });
    clock.advance(2 * 3600_000);
    const local = await fetcher.fetch(stored.url, 'image', await work(), signal());
    expect(local).toMatchObject({ kind: 'image', contentType: 'image/png' });
  });

  it('refuses a tampered or foreign-looking URL of ours, passes every other URL on', async () => {
    const { uploads, fetcher, passedOn } = setup();
    const { url } = await uploads.store(createReadStream(fixtures.png), 'image', signal());
    const tampered = url.replace(/sig=[^&]+/, `sig=${'A'.repeat(43)}`);
    const renamed = url.replace(/uploads\/[^.]+/, 'uploads/BBBBBBBBBBBBBBBBBBBBBB');
    for (const bad of [tampered, renamed, `${ORIGIN}/v1/videos/uploads/%2e%2e%2fresults%2fx.mp4`]) {
      const error = await fetcher.fetch(bad, 'image', await work(), signal()).catch((e: unknown) => e);
      expect(error, bad).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe('SOURCE_FETCH_FAILED');
    }
    await fetcher.fetch('https://example.com/v1/videos/uploads/x.png', 'image', await work(), signal());
    expect(passedOn).toEqual(['https://example.com/v1/videos/uploads/x.png']);
  });

  it('an upload of the wrong kind is refused when used', async () => {
    const { uploads, fetcher } = setup();
    const { url } = await uploads.store(createReadStream(fixtures.png), 'image', signal());
    const error = await fetcher.fetch(url, 'video', await work(), signal()).catch((e: unknown) => e);
    expect((error as EngineError).code).toBe('SOURCE_UNSUPPORTED');
  });

  it('sweeps uploads older than the retention on a later upload', async () => {
    const { uploads, blobs, blobDir, clock } = setup();
    await uploads.store(createReadStream(fixtures.png), 'image', signal());
    const [old] = await keys(blobs);
    // Stores date files by their own clock: age the first one, then pass the sweep interval.
    const past = new Date(Date.now() - RETENTION_MS - 3600_000);
    await utimes(join(blobDir, old!), past, past);
    clock.advance(11 * 60_000);
    await uploads.store(createReadStream(fixtures.jpeg), 'image', signal());
    await expect.poll(() => keys(blobs)).toHaveLength(1);
    expect(await keys(blobs)).not.toContain(old);
  });
});
