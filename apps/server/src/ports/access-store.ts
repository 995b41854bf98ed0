/** Endpoints and access keys. */
export interface EndpointRecord {
  id: string;
  /** The random path segment clients put in the URL. */
  path: string;
  engine: string;
  settings: Record<string, unknown>;
  name: string | null;
  createdAt: number;
}

/** Requests per window. `count` 0 means unlimited (whatever the server's default). */
export interface RateLimit {
  count: number;
  windowSeconds: number;
}

/**
 * A key's own limits (docs/limits.md). `null`: the server's configured default applies; a rate of
 * count 0 or a concurrency of 0: unlimited for this key.
 */
export interface KeyLimits {
  /** Requests that write (submits, cancels, uploads). */
  rate: RateLimit | null;
  /** Requests that read (polls, listings). */
  pollRate: RateLimit | null;
  /** Unfinished tasks at once. */
  concurrency: number | null;
}

export const DEFAULT_KEY_LIMITS: KeyLimits = { rate: null, pollRate: null, concurrency: null };

export interface AccessKeyRecord {
  id: string;
  /** The readable start of the key, shown in listings; never enough to use it. */
  prefix: string;
  name: string | null;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
  endpointIds: string[];
  limits: KeyLimits;
}

export interface AccessVersionWithTask {
  access: number;
  taskRowVersion: number | null;
}

export interface AccessStore {
  /**
   * A number that changes, in the same transaction, with every change to keys, endpoints or grants,
   * whichever process makes it. Caches of the lookups below are valid while it stays the same.
   */
  accessVersion(): Promise<number>;
  /**
   * `accessVersion()` and, in the same statement, the `rowVersion` of a task (null when there is no
   * such task; TaskLedger.rowVersion): a poll's authorisation and its task's freshness in one read.
   */
  accessVersionWithTask(taskId: string): Promise<AccessVersionWithTask>;
  /**
   * What `accessVersionWithTask` would return, when the store knows it without a statement (on the
   * embedded database: nothing committed since it was last read); undefined otherwise, and always
   * on PostgreSQL, where every read is a statement. Optional: a store may never know.
   */
  knownAccessVersionWithTask?(taskId: string): AccessVersionWithTask | undefined;
  /** Likewise for `accessVersion`. */
  knownAccessVersion?(): number | undefined;
  createEndpoint(endpoint: EndpointRecord): Promise<void>;
  listEndpoints(): Promise<EndpointRecord[]>;
  endpointByPath(path: string): Promise<EndpointRecord | null>;
  endpointById(id: string): Promise<EndpointRecord | null>;
  /** Removes the endpoint and its grants; its tasks stay readable by nobody. */
  deleteEndpoint(id: string): Promise<boolean>;
  countEndpoints(): Promise<number>;

  createKey(
    key: Omit<AccessKeyRecord, 'endpointIds' | 'lastUsedAt' | 'revokedAt' | 'limits'> & {
      hash: string;
      limits?: KeyLimits;
    },
  ): Promise<void>;
  listKeys(): Promise<AccessKeyRecord[]>;
  /** Active (not revoked) key by the SHA-256 of its secret, with the hash stored for a constant-time recheck. */
  keyByHash(hash: string): Promise<(AccessKeyRecord & { hash: string }) | null>;
  revokeKey(id: string, now: number): Promise<boolean>;
  /** Sets the limits given (others unchanged); false when no such key. Moves the access version. */
  updateKeyLimits(id: string, limits: Partial<KeyLimits>): Promise<boolean>;
  grant(keyId: string, endpointId: string): Promise<boolean>;
  countKeys(): Promise<number>;
}
