/**
 * Who is calling and which endpoint they may use. Unknown and revoked keys are 401; an endpoint
 * that does not exist and one the key may not use are the same 404, so paths cannot be probed.
 */

import { timingSafeEqual } from 'node:crypto';
import { ENDPOINT_PATH_PATTERN } from '@vidforge/contract';
import { ApiError } from '../../http/api-error.ts';
import type { AccessKeyRecord, AccessStore, EndpointRecord } from '../../ports/access-store.ts';
import { type AccessCache, type AccessCacheLimits, createAccessCache, type KeyWithHash } from './access-cache.ts';
import { bearerToken, hashAccessKey } from './secrets.ts';

export interface Caller {
  key: AccessKeyRecord;
  endpoint: EndpointRecord;
  /**
   * When the request names a task: its row version (null: no such task) as read with the access
   * version, in the same statement, so the task's read needs no second statement (task-cache.ts).
   */
  task?: { id: string; rowVersion: number | null };
}

/** A secret's SHA-256, as stored (hex) and as compared (bytes). */
interface SecretHash {
  hex: string;
  bytes: Buffer;
}

function secretHash(secret: string): SecretHash {
  const hex = hashAccessKey(secret);
  return { hex, bytes: Buffer.from(hex, 'hex') };
}

/** Lookups go through the access cache (access-cache.ts), validated once per request. */
/** Secrets of active keys whose hash is remembered (see findKey). */
const REMEMBERED_HASHES = 1_000;

export function createAuthService(access: AccessStore, options: { cacheLimits?: AccessCacheLimits } = {}) {
  const cache: AccessCache = createAccessCache(access, options.cacheLimits);
  // The SHA-256 of secrets that matched an active key, so their next request skips the hash (3-5 %
  // of a poll's CPU, docs/performance.md). A pure function of the secret: whether the key is still
  // active is asked of the access cache on every request all the same. Secrets that matched
  // nothing are not remembered, so random keys cannot fill it. Bounded, oldest out first.
  const hashes = new Map<string, SecretHash>();
  // Each cached key's hash as bytes: decoded once, not on every request.
  const keyBytes = new WeakMap<KeyWithHash, Buffer>();

  /** Constant-time: the lookup was by hash already, and the final comparison must not leak timing. */
  function isKeyOf(key: KeyWithHash, hash: SecretHash): boolean {
    let bytes = keyBytes.get(key);
    if (!bytes) {
      bytes = Buffer.from(key.hash, 'hex');
      keyBytes.set(key, bytes);
    }
    return bytes.length === hash.bytes.length && timingSafeEqual(bytes, hash.bytes);
  }

  async function findKey(authorization: string | undefined): Promise<AccessKeyRecord> {
    const secret = bearerToken(authorization);
    if (!secret) {
      throw new ApiError('UNAUTHORIZED', 'Missing or malformed Authorization header; expected "Bearer <AccessKey>"');
    }
    const remembered = hashes.get(secret);
    const hash = remembered ?? secretHash(secret);
    const key = await cache.keyByHash(hash.hex);
    if (!key || !isKeyOf(key, hash)) throw new ApiError('UNAUTHORIZED', 'Unknown or revoked access key');
    if (remembered === undefined) {
      if (hashes.size >= REMEMBERED_HASHES) hashes.delete(hashes.keys().next().value as string);
      hashes.set(secret, hash);
    }
    return key;
  }

  async function findEndpoint(key: AccessKeyRecord, path: string): Promise<EndpointRecord> {
    const endpoint = ENDPOINT_PATH_PATTERN.test(path) ? await cache.endpointByPath(path) : null;
    if (!endpoint || !key.endpointIds.includes(endpoint.id)) {
      throw new ApiError('ENDPOINT_NOT_FOUND', 'No such endpoint for this access key');
    }
    return endpoint;
  }

  function callerOf(
    key: AccessKeyRecord,
    endpoint: EndpointRecord,
    taskId: string | undefined,
    rowVersion: number | null | undefined,
  ): Caller {
    return rowVersion === undefined || taskId === undefined
      ? { key, endpoint }
      : { key, endpoint, task: { id: taskId, rowVersion } };
  }

  return {
    /**
     * One version check (one query), then both lookups, from the cache when it holds them. With
     * the `taskId` of the path, the same query also reads that task's row version (Caller.task).
     */
    async authorize(authorization: string | undefined, endpointPath: string, taskId?: string): Promise<Caller> {
      const rowVersion = await cache.validate(taskId);
      const key = await findKey(authorization);
      const endpoint = await findEndpoint(key, endpointPath);
      return callerOf(key, endpoint, taskId, rowVersion);
    },
    /**
     * authorize(), answered at once when everything it needs is known without a statement: the
     * access version unchanged since the cache was filled (no commit since, on the embedded
     * database), a secret that matched an active key before, the key and endpoint cached, and the
     * grant. Anything else, a refusal included, is undefined: authorize() then decides, as before.
     * The answer is the one authorize() would give, without the turns of the event loop its awaits
     * take (about a tenth of a poll's CPU, docs/performance.md).
     */
    authorizeKnown(authorization: string | undefined, endpointPath: string, taskId?: string): Caller | undefined {
      const validated = cache.validatedNow(taskId);
      const secret = validated && bearerToken(authorization);
      const hash = secret ? hashes.get(secret) : undefined;
      const key = hash && cache.cachedKey(hash.hex);
      if (!validated || !hash || !key || !isKeyOf(key, hash)) return undefined;
      const endpoint = ENDPOINT_PATH_PATTERN.test(endpointPath) ? cache.cachedEndpoint(endpointPath) : undefined;
      if (!endpoint || !key.endpointIds.includes(endpoint.id)) return undefined;
      return callerOf(key, endpoint, taskId, validated.taskRowVersion);
    },
    /**
     * The key and every endpoint it may use, for the OpenAI-compatible API, where the endpoint is
     * chosen per request by `model` or by the task, not by the path.
     */
    async authorizeKey(
      authorization: string | undefined,
    ): Promise<{ key: AccessKeyRecord; endpoints: EndpointRecord[] }> {
      await cache.validate();
      const key = await findKey(authorization);
      const found = await Promise.all(key.endpointIds.map((id) => cache.endpointById(id)));
      return { key, endpoints: found.filter((endpoint): endpoint is EndpointRecord => endpoint !== null) };
    },
    /** Entries held by the cache, for tests of its bounds. */
    cacheSizes: () => cache.sizes(),
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
