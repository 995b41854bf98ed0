/**
 * Shared signing secrets (VIDFORGE_SIGNING_SECRETS): every replica configured alike signs and
 * verifies alike, and a new secret is rolled in without breaking URLs already handed out.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import { loadSigningSecrets } from '../../src/modules/results/signing-secrets.ts';
import { createUrlSigner } from '../../src/modules/results/url-signer.ts';

const S1 = 'a'.repeat(40);
const S2 = 'b'.repeat(40);
const NOW = 1_800_000_000_000;

async function signerFor(list: string) {
  const config = loadConfig({ env: { VIDFORGE_SIGNING_SECRETS: list } });
  // The data directory is never read when secrets are configured.
  const secrets = await loadSigningSecrets('/nonexistent', config.signingSecret, config.signingSecrets);
  return createUrlSigner({ ...secrets, maxTtlMs: 3_600_000 });
}

describe('shared signing secrets', () => {
  it('rotate in two steps: verify the new one everywhere, sign with it, then retire the old', async () => {
    const before = await signerFor(`old:${S1}`);
    const url = before.sign('task-aaaaaaaaaaaaaaaa', NOW + 60_000);
    expect(url).toContain('kid=old');

    // Step 1 (every replica): the new secret verifies but does not sign yet.
    const step1 = await signerFor(`old:${S1},new:${S2}`);
    expect(step1.verify('task-aaaaaaaaaaaaaaaa', url, NOW)).toEqual({ ok: true });
    // Step 2: the new secret signs; URLs signed with the old one still verify.
    const step2 = await signerFor(`new:${S2},old:${S1}`);
    const fresh = step2.sign('task-aaaaaaaaaaaaaaaa', NOW + 60_000);
    expect(fresh).toContain('kid=new');
    expect(step2.verify('task-aaaaaaaaaaaaaaaa', url, NOW)).toEqual({ ok: true });
    expect(step1.verify('task-aaaaaaaaaaaaaaaa', fresh, NOW)).toEqual({ ok: true });
    // Step 3, after the longest URL lifetime: the old secret is gone, and so are its URLs.
    const step3 = await signerFor(`new:${S2}`);
    expect(step3.verify('task-aaaaaaaaaaaaaaaa', url, NOW).ok).toBe(false);
  });

  it('reports malformed lists and conflicting settings at boot', () => {
    for (const [list, message] of [
      ['old', /not a key id|shorter than 32/],
      [`bad kid!:${S1}`, /"bad kid!" is not a key id/],
      [`k1:short`, /the secret of "k1" is shorter than 32 characters/],
      [`k1:${S1},k1:${S2}`, /key id "k1" is listed twice/],
    ] as const) {
      expect(() => loadConfig({ env: { VIDFORGE_SIGNING_SECRETS: list } })).toThrow(message);
    }
    expect(() => loadConfig({ env: { VIDFORGE_SIGNING_SECRETS: `k1:${S1}`, VIDFORGE_SIGNING_SECRET: S2 } })).toThrow(
      ConfigError,
    );
  });
});
