/**
 * The auth cache (modules/auth/access-cache.ts) on real SQLite files: lookups are served from memory,
 * every change to keys, endpoints or grants empties it (through the same connection, another
 * connection, or another process: see http/auth-cache.test.ts), and it stays within its bounds.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteAdapters, type SqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import { ApiError } from '../../src/http/api-error.ts';
import { type AdminService, createAdminService } from '../../src/modules/auth/admin.service.ts';
import { type AuthService, createAuthService } from '../../src/modules/auth/auth.service.ts';
import type { AccessStore } from '../../src/ports/access-store.ts';
import { systemClock } from '../../src/ports/clock.ts';
import { tempDir } from '../support/index.ts';

const LIMITS = { keys: 2, unknownKeys: 3, endpoints: 2 };
const bearer = (key: string) => `Bearer ${key}`;
const randomKey = () => `vf_${randomBytes(24).toString('base64url')}`;

/** The real store, counting the lookups the cache should save (a spy, not a stand-in). */
function counted(access: AccessStore) {
  const calls = { keyByHash: 0, endpointByPath: 0, accessVersion: 0 };
  const store: AccessStore = {
    ...access,
    accessVersion: () => {
      calls.accessVersion += 1;
      return access.accessVersion();
    },
    keyByHash: (hash) => {
      calls.keyByHash += 1;
      return access.keyByHash(hash);
    },
    endpointByPath: (path) => {
      calls.endpointByPath += 1;
      return access.endpointByPath(path);
    },
  };
  return { store, calls };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

let dir: Awaited<ReturnType<typeof tempDir>>;
let file: string;
let storage: SqliteAdapters;
let admin: AdminService;
let calls: ReturnType<typeof counted>['calls'];
let auth: AuthService;
let path: string;
let key: string;
let keyId: string;

beforeEach(async () => {
  dir = await tempDir('vidforge-auth-cache-');
  file = join(dir.path, 'vidforge.db');
  storage = openSqliteAdapters({ file });
  admin = createAdminService(storage.access, systemClock, ['preview']);
  const spy = counted(storage.access);
  calls = spy.calls;
  auth = createAuthService(spy.store, { cacheLimits: LIMITS });
  path = (await admin.createEndpoint({ engine: 'preview' })).path;
  const created = await admin.createKey({ endpoints: [path] });
  key = created.key;
  keyId = created.record.id;
});

afterEach(async () => {
  await storage.close();
  await dir.remove();
});

describe('auth cache', () => {
  it('serves repeated requests from memory with one version read each', async () => {
    const first = await auth.authorize(bearer(key), path);
    const looked = { ...calls };
    for (let i = 0; i < 5; i++) expect(await auth.authorize(bearer(key), path)).toEqual(first);
    expect(calls.keyByHash).toBe(looked.keyByHash);
    expect(calls.endpointByPath).toBe(looked.endpointByPath);
    expect(calls.accessVersion).toBe(looked.accessVersion + 5);
  });

  it('cached records cannot be changed by a caller', async () => {
    const caller = await auth.authorize(bearer(key), path);
    expect(Object.isFrozen(caller.key)).toBe(true);
    expect(Object.isFrozen(caller.key.endpointIds)).toBe(true);
    expect(Object.isFrozen(caller.endpoint)).toBe(true);
  });

  it("sees this connection's own changes on the next request: revoke, grant, delete, create", async () => {
    await auth.authorize(bearer(key), path);
    const other = (await admin.createEndpoint({ engine: 'preview' })).path;
    expect(await codeOf(auth.authorize(bearer(key), other))).toBe('ENDPOINT_NOT_FOUND');
    await admin.grant(keyId, other);
    expect(await codeOf(auth.authorize(bearer(key), other))).toBe('OK');
    await admin.deleteEndpoint(other);
    expect(await codeOf(auth.authorize(bearer(key), other))).toBe('ENDPOINT_NOT_FOUND');
    await admin.revokeKey(keyId);
    expect(await codeOf(auth.authorize(bearer(key), path))).toBe('UNAUTHORIZED');
    const later = randomKey();
    expect(await codeOf(auth.authorize(bearer(later), path))).toBe('UNAUTHORIZED');
    await admin.createKey({ key: later, endpoints: [path] });
    expect(await codeOf(auth.authorize(bearer(later), path))).toBe('OK');
  });

  it("sees another connection's changes on the next request", async () => {
    const second = openSqliteAdapters({ file });
    try {
      const elsewhere = createAdminService(second.access, systemClock, ['preview']);
      await auth.authorize(bearer(key), path);
      const later = randomKey();
      expect(await codeOf(auth.authorize(bearer(later), path))).toBe('UNAUTHORIZED');
      await elsewhere.createKey({ key: later, endpoints: [path] });
      expect(await codeOf(auth.authorize(bearer(later), path))).toBe('OK');
      await elsewhere.revokeKey(keyId);
      expect(await codeOf(auth.authorize(bearer(key), path))).toBe('UNAUTHORIZED');
      expect(await codeOf(auth.authorize(bearer(later), path))).toBe('OK');
    } finally {
      await second.close();
    }
  });

  it('stays within its bounds under random keys, and real keys keep working', async () => {
    await auth.authorize(bearer(key), path);
    for (let i = 0; i < 50; i++) expect(await codeOf(auth.authorize(bearer(randomKey()), path))).toBe('UNAUTHORIZED');
    expect(auth.cacheSizes().unknownKeys).toBe(LIMITS.unknownKeys);
    // Unknown keys have their own map: the real key was not pushed out by them.
    const before = calls.keyByHash;
    expect(await codeOf(auth.authorize(bearer(key), path))).toBe('OK');
    expect(calls.keyByHash).toBe(before);
  });

  it('stays within its bounds with more keys and endpoints than it holds', async () => {
    const paths = [path];
    for (let i = 0; i < 4; i++) paths.push((await admin.createEndpoint({ engine: 'preview' })).path);
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) keys.push((await admin.createKey({ endpoints: paths })).key);
    for (let round = 0; round < 2; round++) {
      for (const k of keys) for (const p of paths) expect(await codeOf(auth.authorize(bearer(k), p))).toBe('OK');
    }
    expect(auth.cacheSizes()).toEqual({ keys: LIMITS.keys, unknownKeys: 0, endpoints: LIMITS.endpoints });
    for (const p of ['NoSuchPath0001', 'NoSuchPath0002', 'NoSuchPath0003']) {
      expect(await codeOf(auth.authorize(bearer(key), p))).toBe('ENDPOINT_NOT_FOUND');
    }
    expect(auth.cacheSizes().endpoints).toBe(LIMITS.endpoints);
  });
});

describe('authorizeKnown: authorize() at once, when nothing needs a statement', () => {
  const taskId = 'ThereIsNoSuchTask0001';

  it("gives authorize()'s caller once the cache holds it, with no read at all", async () => {
    expect(auth.authorizeKnown(bearer(key), path)).toBeUndefined();
    const caller = await auth.authorize(bearer(key), path);
    const withTask = await auth.authorize(bearer(key), path, taskId);
    const looked = { ...calls };
    expect(auth.authorizeKnown(bearer(key), path)).toEqual(caller);
    expect(auth.authorizeKnown(bearer(key), path, taskId)).toEqual(withTask);
    expect(withTask.task).toEqual({ id: taskId, rowVersion: null });
    expect(calls).toEqual(looked);
  });

  it('knows nothing after a commit, here or elsewhere, until authorize() has read again', async () => {
    await auth.authorize(bearer(key), path);
    await storage.ledger.create({
      id: 'AnUnrelatedTask000001',
      endpointId: 'e',
      keyId: 'k',
      type: 'generate',
      engine: 'preview',
      request: { prompt: 'x' } as never,
      seed: null,
      maxAttempts: 1,
      createdAt: 1,
      deadlineAt: 2,
    });
    expect(auth.authorizeKnown(bearer(key), path)).toBeUndefined();
    await auth.authorize(bearer(key), path);
    expect(auth.authorizeKnown(bearer(key), path)).toBeDefined();

    const second = openSqliteAdapters({ file });
    try {
      await createAdminService(second.access, systemClock, ['preview']).revokeKey(keyId);
    } finally {
      await second.close();
    }
    expect(auth.authorizeKnown(bearer(key), path)).toBeUndefined();
    expect(await codeOf(auth.authorize(bearer(key), path))).toBe('UNAUTHORIZED');
    expect(auth.authorizeKnown(bearer(key), path)).toBeUndefined();
  });

  it('never knows a refusal: authorize() gives each its error', async () => {
    const ungranted = (await admin.createEndpoint({ engine: 'preview' })).path;
    const stranger = randomKey();
    const refused: [string | undefined, string, string][] = [
      [bearer(stranger), path, 'UNAUTHORIZED'],
      [undefined, path, 'UNAUTHORIZED'],
      [`Basic ${key}`, path, 'UNAUTHORIZED'],
      [bearer(key), ungranted, 'ENDPOINT_NOT_FOUND'],
      [bearer(key), '../etc', 'ENDPOINT_NOT_FOUND'],
      [bearer(key), 'no-such-endpoint', 'ENDPOINT_NOT_FOUND'],
    ];
    await auth.authorize(bearer(key), path);
    // Twice: the second time every lookup is cached (unknown keys and paths included).
    for (let round = 0; round < 2; round++) {
      for (const [authorization, endpointPath, code] of refused) {
        expect(await codeOf(auth.authorize(authorization, endpointPath))).toBe(code);
        expect(auth.authorizeKnown(authorization, endpointPath)).toBeUndefined();
      }
    }
    // The refusals read nothing that moved the version: once the tiny test cache holds the path
    // again, the key is known at once as before.
    await auth.authorize(bearer(key), path);
    expect(auth.authorizeKnown(bearer(key), path)).toBeDefined();
  });
});
