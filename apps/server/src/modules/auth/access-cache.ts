/**
 * The key-by-hash and endpoint-by-path lookups that authorise every API request, kept in memory.
 * Four SELECTs per request were the largest piece of a poll's CPU (docs/performance.md); now a
 * request costs one: the store's access version (`AccessStore.accessVersion`), which changes in the
 * same transaction as any change to keys, endpoints or grants, from whichever process (and on the
 * embedded database none while nothing was committed: adapters/sql/commit-memo.ts). A request
 * that sees a version other than the one the cache was filled under empties the cache first, so a
 * key revoked anywhere fails on the very next request that starts after the revocation committed,
 * and a key or endpoint created anywhere is found at once (unknown hashes and paths are cached too,
 * under the same rule).
 *
 * Bounded: every map evicts its oldest entry when full, and unknown keys have their own, smaller
 * map, so a caller sending random keys can neither grow memory nor push the real keys out.
 */
import type { AccessKeyRecord, AccessStore, EndpointRecord } from '../../ports/access-store.ts';

export type KeyWithHash = AccessKeyRecord & { hash: string };

export interface AccessCacheLimits {
  /** Known (active) keys held. */
  keys: number;
  /** Hashes that matched no active key, held so a client retrying a bad key costs no query. */
  unknownKeys: number;
  /** Endpoint paths, found or not (only callers with a valid key get this far). */
  endpoints: number;
}

export const DEFAULT_ACCESS_CACHE_LIMITS: AccessCacheLimits = { keys: 10_000, unknownKeys: 1_000, endpoints: 10_000 };

/** A Map that drops its oldest entry when full (insertion order; hits do not reorder: cheaper). */
class BoundedMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly #max: number;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`a cache limit must be a positive integer, got ${max}`);
    this.#max = max;
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  set(key: K, value: V): void {
    if (this.#map.size >= this.#max && !this.#map.has(key)) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
    this.#map.set(key, value);
  }

  clear(): void {
    this.#map.clear();
  }

  get size(): number {
    return this.#map.size;
  }
}

type Lookups = Pick<
  AccessStore,
  | 'accessVersion'
  | 'accessVersionWithTask'
  | 'knownAccessVersion'
  | 'knownAccessVersionWithTask'
  | 'keyByHash'
  | 'endpointByPath'
  | 'endpointById'
>;

/** Ids share the endpoints map with paths; `#` never appears in a path (ENDPOINT_PATH_PATTERN). */
const idEntry = (id: string) => `#${id}`;

export function createAccessCache(access: Lookups, limits: AccessCacheLimits = DEFAULT_ACCESS_CACHE_LIMITS) {
  const keys = new BoundedMap<string, KeyWithHash>(limits.keys);
  const unknownKeys = new BoundedMap<string, true>(limits.unknownKeys);
  const endpoints = new BoundedMap<string, EndpointRecord | null>(limits.endpoints);
  let version: number | null = null;
  // Moves with every emptying: a lookup that started before one must not refill the cache after it,
  // since what it read may be older than the version that emptied it.
  let epoch = 0;

  return {
    /**
     * Reads the access version and empties the cache if it moved. Once per request, before lookups.
     * With `taskId` (a request for one task), the same read also returns that task's row version
     * (null: no such task), which the task cache then needs not read again.
     */
    async validate(taskId?: string): Promise<number | null | undefined> {
      let current: number;
      let taskRowVersion: number | null | undefined;
      if (taskId === undefined) current = await access.accessVersion();
      else ({ access: current, taskRowVersion } = await access.accessVersionWithTask(taskId));
      if (current !== version) {
        keys.clear();
        unknownKeys.clear();
        endpoints.clear();
        version = current;
        epoch += 1;
      }
      return taskRowVersion;
    },

    /**
     * validate() without a turn of the event loop, when the store knows the access version without
     * a statement and it is the one the cache holds: `{ taskRowVersion }` (as validate() returns
     * it); undefined when validate() must run (and, if the version moved, empty the cache).
     */
    validatedNow(taskId?: string): { taskRowVersion: number | null | undefined } | undefined {
      if (taskId === undefined) {
        const current = access.knownAccessVersion?.();
        return current !== undefined && current === version ? { taskRowVersion: undefined } : undefined;
      }
      const known = access.knownAccessVersionWithTask?.(taskId);
      return known !== undefined && known.access === version ? { taskRowVersion: known.taskRowVersion } : undefined;
    },

    /** The active key with this hash if the cache holds it (no read: undefined otherwise). */
    cachedKey(hash: string): KeyWithHash | undefined {
      return keys.get(hash);
    },

    /** The endpoint at this path if the cache holds it (no read: undefined otherwise). */
    cachedEndpoint(path: string): EndpointRecord | undefined {
      return endpoints.get(path) ?? undefined;
    },

    /** The active key with this hash, or null; as of the last validate() or later. */
    async keyByHash(hash: string): Promise<KeyWithHash | null> {
      const known = keys.get(hash);
      if (known) return known;
      if (unknownKeys.get(hash)) return null;
      const filledUnder = epoch;
      const found = await access.keyByHash(hash);
      if (filledUnder === epoch) {
        if (found) {
          Object.freeze(found.endpointIds);
          keys.set(hash, Object.freeze(found));
        } else {
          unknownKeys.set(hash, true);
        }
      }
      return found;
    },

    /** The endpoint at this path, or null; as of the last validate() or later. */
    async endpointByPath(path: string): Promise<EndpointRecord | null> {
      const cached = endpoints.get(path);
      if (cached !== undefined) return cached;
      const filledUnder = epoch;
      const found = await access.endpointByPath(path);
      if (filledUnder === epoch) endpoints.set(path, found && Object.freeze(found));
      return found;
    },

    /** The endpoint with this id, or null; as of the last validate() or later. */
    async endpointById(id: string): Promise<EndpointRecord | null> {
      const cached = endpoints.get(idEntry(id));
      if (cached !== undefined) return cached;
      const filledUnder = epoch;
      const found = await access.endpointById(id);
      if (filledUnder === epoch) endpoints.set(idEntry(id), found && Object.freeze(found));
      return found;
    },

    /** Entries held, for tests of the bounds. */
    sizes(): { keys: number; unknownKeys: number; endpoints: number } {
      return { keys: keys.size, unknownKeys: unknownKeys.size, endpoints: endpoints.size };
    },
  };
}

export type AccessCache = ReturnType<typeof createAccessCache>;
