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

export interface AccessKeyRecord {
  id: string;
  /** The readable start of the key, shown in listings; never enough to use it. */
  prefix: string;
  name: string | null;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
  endpointIds: string[];
}

export interface AccessStore {
  /**
   * A number that changes, in the same transaction, with every change to keys, endpoints or grants,
   * whichever process makes it. Caches of the lookups below are valid while it stays the same.
   */
  accessVersion(): Promise<number>;
  createEndpoint(endpoint: EndpointRecord): Promise<void>;
  listEndpoints(): Promise<EndpointRecord[]>;
  endpointByPath(path: string): Promise<EndpointRecord | null>;
  endpointById(id: string): Promise<EndpointRecord | null>;
  /** Removes the endpoint and its grants; its tasks stay readable by nobody. */
  deleteEndpoint(id: string): Promise<boolean>;
  countEndpoints(): Promise<number>;

  createKey(key: Omit<AccessKeyRecord, 'endpointIds' | 'lastUsedAt' | 'revokedAt'> & { hash: string }): Promise<void>;
  listKeys(): Promise<AccessKeyRecord[]>;
  /** Active (not revoked) key by the SHA-256 of its secret, with the hash stored for a constant-time recheck. */
  keyByHash(hash: string): Promise<(AccessKeyRecord & { hash: string }) | null>;
  revokeKey(id: string, now: number): Promise<boolean>;
  grant(keyId: string, endpointId: string): Promise<boolean>;
  countKeys(): Promise<number>;
}
