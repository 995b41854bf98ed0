/**
 * Local media URLs are signed once per task and second (local-media-urls.ts): polls within a second
 * share one URL, the next second gets a new one, and none is valid past what was asked.
 */
import { describe, expect, it } from 'vitest';
import { createLocalMediaUrls } from '../../src/modules/results/local-media-urls.ts';
import { outputKeyOf } from '../../src/modules/results/result-key.ts';
import { createUrlSigner } from '../../src/modules/results/url-signer.ts';

const TASK = 'AAAAAAAAAAAAAAAAAAAAAA';
const KEY = outputKeyOf(TASK, 1);

function setup(start: number) {
  let now = start;
  let signed = 0;
  const signer = createUrlSigner({ secrets: { k1: 's'.repeat(40) }, currentKid: 'k1', maxTtlMs: 3_600_000 });
  const counting = {
    ...signer,
    sign(id: string, exp: number) {
      signed += 1;
      return signer.sign(id, exp);
    },
  };
  const urlFor = createLocalMediaUrls({ signer: counting, publicUrl: () => 'http://h', clock: { now: () => now } });
  return { urlFor, signer, signed: () => signed, set: (t: number) => (now = t) };
}

describe('local media URLs', () => {
  it('share one signature within a second and are never valid past the TTL asked', async () => {
    const t = setup(1_800_000_000_250);
    const first = await t.urlFor(KEY, { expiresAt: 1_800_000_000_250 + 3_600_000 });
    expect(first.expiresAt).toBe(1_800_003_600_000);
    t.set(1_800_000_000_999);
    const second = await t.urlFor(KEY, { expiresAt: 1_800_000_000_999 + 3_600_000 });
    expect(second).toEqual(first);
    expect(t.signed()).toBe(1);
    t.set(1_800_000_001_000);
    const third = await t.urlFor(KEY, { expiresAt: 1_800_000_001_000 + 3_600_000 });
    expect(third.expiresAt).toBe(1_800_003_601_000);
    expect(third.url).not.toBe(first.url);
    expect(t.signed()).toBe(2);
    const query = third.url.split('?')[1]!;
    expect(t.signer.verify(TASK, query, 1_800_000_001_000)).toEqual({ ok: true });
  });

  it('keeps the exact expiry within a second of the end of retention', async () => {
    const t = setup(1_800_000_000_250);
    const near = await t.urlFor(KEY, { expiresAt: 1_800_000_000_900 });
    expect(near.expiresAt).toBe(1_800_000_000_900);
    const earlier = await t.urlFor(KEY, { expiresAt: 1_800_000_005_900 });
    expect(earlier.expiresAt).toBe(1_800_000_005_000);
  });
});
