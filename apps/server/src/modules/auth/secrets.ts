/**
 * Access keys and endpoint paths. Keys carry 256 random bits behind a readable `vf_` prefix, are
 * shown once and stored only as SHA-256 (a slow hash buys nothing for 256-bit secrets and would cost
 * every request).
 */
import { createHash, randomBytes, randomFillSync, randomInt } from 'node:crypto';

export const KEY_PREFIX = 'vf_';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function generateAccessKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

const BEARER = /^Bearer[ \t]+([\x21-\x7e]{1,512})[ \t]*$/i;

/** The secret of an `Authorization: Bearer …` header (access key or runner token), or null. */
export function bearerToken(authorization: string | undefined): string | null {
  return (authorization && BEARER.exec(authorization)?.[1]) || null;
}

export function hashAccessKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** What listings show of a key: enough to recognise it, never enough to use it. */
export function displayPrefix(key: string): string {
  return key.slice(0, Math.min(10, Math.floor(key.length / 3)));
}

/** 16 characters of [A-Za-z0-9]: ~95 random bits, like the seed's `LPUqHEAjfonOmohV`. */
export function generateEndpointPath(): string {
  let path = '';
  for (let i = 0; i < 16; i++) path += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return path;
}

const ID_BYTES = 16;
/**
 * Random bytes for ids, filled 256 ids at a time: one call into the system's CSPRNG per id was 3 %
 * of a submit's CPU (docs/performance.md). Node's randomUUID() keeps such a pool too.
 */
const idPool = Buffer.allocUnsafeSlow(ID_BYTES * 256);
let idOffset = idPool.length;

/** Opaque, URL-safe, 128 random bits. */
export function generateId(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  const id = idPool.toString('base64url', idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return id;
}

/** 32 digits whose order is the same in ASCII and in the usual collations (PostgreSQL's included). */
const ORDERED_DIGITS = '0123456789abcdefghijklmnopqrstuv';
/** 10 digits of 5 bits: epoch milliseconds up to the year 37,000. */
const TIME_DIGITS = 10;

/**
 * A task id: the creation time (`createdAt`, epoch ms) in 10 ordered digits, then 128 random bits
 * (generateId). Still unguessable and never sequential, but ids made later sort later, so an insert
 * lands at the end of the primary key's b-tree instead of on a random page of it: with random ids
 * every submit of a commit group dirtied a page of its own, read back into the cache once the
 * index outgrew it (a tenth or more of a submit's CPU, docs/performance.md). The time is no
 * secret: the task shows its `createdAt`.
 */
export function generateTaskId(createdAt: number): string {
  if (!Number.isSafeInteger(createdAt) || createdAt < 0) throw new RangeError(`not an epoch time: ${createdAt}`);
  let time = '';
  for (let rest = createdAt, i = 0; i < TIME_DIGITS; i++, rest = Math.floor(rest / 32)) {
    time = ORDERED_DIGITS[rest % 32] + time;
  }
  return time + generateId();
}
