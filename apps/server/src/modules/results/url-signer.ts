/**
 * HMAC-signed, expiring media URLs: `/v1/media/{taskId}.mp4?exp=…&kid=…&sig=…`.
 * The MAC covers a canonical string with the method, the object and the expiry, so a URL can be
 * neither extended nor pointed at another task. The key id allows rotating the secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SignerOptions {
  /** kid → secret; `currentKid` signs, every listed kid verifies (rotation overlap). */
  secrets: Record<string, string>;
  currentKid: string;
  /** A correctly signed URL valid for longer than this is refused (caps signing mistakes). */
  maxTtlMs: number;
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'malformed' | 'expired' | 'signature' };

const canonical = (taskId: string, exp: number, kid: string) => `v1\nGET\n${taskId}\n${exp}\n${kid}`;

export function createUrlSigner(options: SignerOptions) {
  const mac = (kid: string, taskId: string, exp: number) =>
    createHmac('sha256', options.secrets[kid]!)
      .update(canonical(taskId, exp, kid))
      .digest();

  return {
    /** The longest lifetime `verify` accepts. */
    maxTtlMs: options.maxTtlMs,

    /** Query string (without `?`) for `taskId` valid until `exp` (epoch ms). */
    sign(taskId: string, exp: number): string {
      const kid = options.currentKid;
      return `exp=${exp}&kid=${kid}&sig=${mac(kid, taskId, exp).toString('base64url')}`;
    },

    /** `query` is the raw query string; every parameter must appear exactly once. */
    verify(taskId: string, query: string, now: number): VerifyResult {
      const params = new URLSearchParams(query);
      const exps = params.getAll('exp');
      const kids = params.getAll('kid');
      const sigs = params.getAll('sig');
      if (exps.length !== 1 || kids.length !== 1 || sigs.length !== 1) return { ok: false, reason: 'malformed' };
      const [expText, kid, sig] = [exps[0]!, kids[0]!, sigs[0]!];
      if (!/^\d{1,15}$/.test(expText) || !Object.hasOwn(options.secrets, kid) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) {
        return { ok: false, reason: 'malformed' };
      }
      const exp = Number(expText);
      const expected = mac(kid, taskId, exp);
      const given = Buffer.from(sig, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return { ok: false, reason: 'signature' };
      if (now > exp) return { ok: false, reason: 'expired' };
      if (exp - now > options.maxTtlMs) return { ok: false, reason: 'signature' };
      return { ok: true };
    },
  };
}

export type UrlSigner = ReturnType<typeof createUrlSigner>;
