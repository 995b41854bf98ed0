/**
 * The signing date and lifetime of a presigned GET. SigV4 caps `X-Amz-Expires` at 7 days and
 * states `X-Amz-Date` in whole seconds, so the URL's true expiry is date + lifetime, rounded down
 * to a second: that, not the time asked for, is what callers are told (expireTime).
 */
export const PRESIGN_MAX_SECONDS = 7 * 24 * 60 * 60;

export interface PresignWindow {
  signingDate: Date;
  expiresIn: number;
  /** signingDate + expiresIn: never after the time asked for. */
  expiresAt: number;
}

export function presignWindow(now: number, asked: number): PresignWindow {
  const lastSecond = Math.floor(asked / 1000);
  let start = Math.floor(now / 1000);
  let expiresIn = Math.min(lastSecond - start, PRESIGN_MAX_SECONDS);
  if (expiresIn < 1) {
    // Less than a second left (or none): SigV4 needs a lifetime of at least one second, so the URL
    // is dated back instead of outliving what was asked; it is already or almost expired.
    start = lastSecond - 1;
    expiresIn = 1;
  }
  return { signingDate: new Date(start * 1000), expiresIn, expiresAt: (start + expiresIn) * 1000 };
}
