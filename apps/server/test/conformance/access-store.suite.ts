/** AccessStore conformance: endpoints, keys by hash, grants. Every adapter must pass this unchanged. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessStore, EndpointRecord } from '../../src/ports/access-store.ts';
import { newId, T0 } from './fixtures.ts';

export interface AccessFixture {
  access: AccessStore;
  cleanup(): Promise<void>;
}

const endpoint = (overrides: Partial<EndpointRecord> = {}): EndpointRecord => ({
  id: `ep_${newId()}`,
  path: newId().slice(0, 16),
  engine: 'preview',
  settings: { steps: 30, nested: { list: [1, 'two', null] } },
  name: 'main',
  createdAt: T0,
  ...overrides,
});

const key = (
  overrides: Partial<{ id: string; prefix: string; name: string | null; createdAt: number; hash: string }> = {},
) => ({
  id: `key_${newId()}`,
  prefix: 'vf_abcd',
  name: 'ci',
  createdAt: T0,
  hash: newId() + newId(),
  ...overrides,
});

export function accessStoreSuite(name: string, factory: () => Promise<AccessFixture>): void {
  describe(`AccessStore conformance: ${name}`, () => {
    let fx: AccessFixture;
    beforeEach(async () => {
      fx = await factory();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    describe('access version', () => {
      it('moves with every change to keys, endpoints and grants, and only then', async () => {
        const seen = [await fx.access.accessVersion()];
        const moved = async (what: string) => {
          const now = await fx.access.accessVersion();
          expect(seen, what).not.toContain(now);
          seen.push(now);
        };
        const e = endpoint();
        const k = key();
        await fx.access.createEndpoint(e);
        await moved('create an endpoint');
        await fx.access.createKey(k);
        await moved('create a key');
        await fx.access.grant(k.id, e.id);
        await moved('grant');
        await fx.access.keyByHash(k.hash);
        await fx.access.endpointByPath(e.path);
        await fx.access.listKeys();
        await fx.access.countEndpoints();
        expect(await fx.access.accessVersion(), 'reads').toBe(seen.at(-1));
        await fx.access.revokeKey(k.id, T0 + 1);
        await moved('revoke');
        await fx.access.deleteEndpoint(e.id);
        await moved('delete an endpoint');
      });
    });

    describe('endpoints', () => {
      it('stores an endpoint and finds it by path and by id', async () => {
        const e = endpoint({ name: null });
        await fx.access.createEndpoint(e);
        expect(await fx.access.endpointByPath(e.path)).toEqual(e);
        expect(await fx.access.endpointById(e.id)).toEqual(e);
        expect(await fx.access.endpointByPath('unknownPath')).toBeNull();
        expect(await fx.access.endpointById('ep_unknown')).toBeNull();
      });

      it('refuses a second endpoint with the same path', async () => {
        const e = endpoint();
        await fx.access.createEndpoint(e);
        await expect(fx.access.createEndpoint(endpoint({ path: e.path }))).rejects.toThrow();
        expect(await fx.access.countEndpoints()).toBe(1);
      });

      it('lists and counts endpoints in creation order', async () => {
        const b = endpoint({ createdAt: T0 + 2 });
        const a = endpoint({ createdAt: T0 + 1 });
        await fx.access.createEndpoint(b);
        await fx.access.createEndpoint(a);
        expect(await fx.access.listEndpoints()).toEqual([a, b]);
        expect(await fx.access.countEndpoints()).toBe(2);
      });

      it('deletes an endpoint with its grants', async () => {
        const e = endpoint();
        const other = endpoint();
        const k = key();
        await fx.access.createEndpoint(e);
        await fx.access.createEndpoint(other);
        await fx.access.createKey(k);
        await fx.access.grant(k.id, e.id);
        await fx.access.grant(k.id, other.id);
        expect(await fx.access.deleteEndpoint(e.id)).toBe(true);
        expect(await fx.access.deleteEndpoint(e.id)).toBe(false);
        expect(await fx.access.endpointByPath(e.path)).toBeNull();
        expect((await fx.access.keyByHash(k.hash))?.endpointIds).toEqual([other.id]);
        expect(await fx.access.countEndpoints()).toBe(1);
      });
    });

    describe('keys', () => {
      it('stores limits with a key, changes only those given, and moves the access version', async () => {
        const bare = key();
        await fx.access.createKey(bare);
        expect((await fx.access.keyByHash(bare.hash))?.limits).toEqual({
          rate: null,
          pollRate: null,
          concurrency: null,
        });
        const k = key();
        const limits = {
          rate: { count: 60, windowSeconds: 60 },
          pollRate: { count: 0, windowSeconds: 1 },
          concurrency: 4,
        };
        await fx.access.createKey({ ...k, limits });
        expect((await fx.access.keyByHash(k.hash))?.limits).toEqual(limits);
        const before = await fx.access.accessVersion();
        expect(await fx.access.updateKeyLimits(k.id, { rate: null, concurrency: 0 })).toBe(true);
        expect(await fx.access.accessVersion()).not.toBe(before);
        expect((await fx.access.listKeys()).find((row) => row.id === k.id)?.limits).toEqual({
          rate: null,
          pollRate: { count: 0, windowSeconds: 1 },
          concurrency: 0,
        });
        expect(await fx.access.updateKeyLimits(k.id, {})).toBe(true);
        expect(await fx.access.updateKeyLimits('key_missing', { concurrency: 1 })).toBe(false);
        expect(await fx.access.updateKeyLimits('key_missing', {})).toBe(false);
      });

      it('refuses limits the schema does not allow (negative counts, empty windows)', async () => {
        const k = key();
        await fx.access.createKey(k);
        await expect(fx.access.updateKeyLimits(k.id, { concurrency: -1 })).rejects.toThrow();
        await expect(fx.access.updateKeyLimits(k.id, { rate: { count: 5, windowSeconds: 0 } })).rejects.toThrow();
        expect((await fx.access.keyByHash(k.hash))?.limits.concurrency).toBeNull();
      });

      it('finds an active key by hash, with its hash and grants', async () => {
        const k = key({ name: null });
        await fx.access.createKey(k);
        expect(await fx.access.keyByHash(k.hash)).toEqual({
          id: k.id,
          prefix: k.prefix,
          name: null,
          createdAt: k.createdAt,
          revokedAt: null,
          lastUsedAt: null,
          endpointIds: [],
          limits: { rate: null, pollRate: null, concurrency: null },
          hash: k.hash,
        });
        expect(await fx.access.keyByHash('0'.repeat(64))).toBeNull();
      });

      it('refuses a second key with the same hash', async () => {
        const k = key();
        await fx.access.createKey(k);
        await expect(fx.access.createKey(key({ hash: k.hash }))).rejects.toThrow();
      });

      it('grants endpoints idempotently and refuses grants to unknown keys or endpoints', async () => {
        const [e1, e2] = [endpoint({ id: 'ep_a' }), endpoint({ id: 'ep_b' })];
        const k = key();
        await fx.access.createEndpoint(e1!);
        await fx.access.createEndpoint(e2!);
        await fx.access.createKey(k);
        expect(await fx.access.grant(k.id, 'ep_b')).toBe(true);
        expect(await fx.access.grant(k.id, 'ep_a')).toBe(true);
        expect(await fx.access.grant(k.id, 'ep_a')).toBe(true);
        expect(await fx.access.grant(k.id, 'ep_missing')).toBe(false);
        expect(await fx.access.grant('key_missing', 'ep_a')).toBe(false);
        expect((await fx.access.keyByHash(k.hash))?.endpointIds.toSorted()).toEqual(['ep_a', 'ep_b']);
      });

      it('revokes: the key stops authenticating, stays listed, and keeps its first revocation time', async () => {
        const k = key();
        await fx.access.createKey(k);
        expect(await fx.access.revokeKey(k.id, T0 + 10)).toBe(true);
        expect(await fx.access.keyByHash(k.hash)).toBeNull();
        expect(await fx.access.revokeKey(k.id, T0 + 20)).toBe(true);
        expect(await fx.access.revokeKey('key_missing', T0 + 20)).toBe(false);
        const [listed] = await fx.access.listKeys();
        expect(listed).toMatchObject({ id: k.id, revokedAt: T0 + 10 });
        expect(listed).not.toHaveProperty('hash');
      });

      it('lists keys with their endpoints and counts revoked keys too', async () => {
        const e = endpoint();
        await fx.access.createEndpoint(e);
        const first = key({ createdAt: T0 + 1 });
        const second = key({ createdAt: T0 + 2 });
        await fx.access.createKey(second);
        await fx.access.createKey(first);
        await fx.access.grant(second.id, e.id);
        await fx.access.revokeKey(first.id, T0 + 3);
        const listed = await fx.access.listKeys();
        expect(listed.map((k) => [k.id, k.endpointIds, k.revokedAt])).toEqual([
          [first.id, [], T0 + 3],
          [second.id, [e.id], null],
        ]);
        expect(await fx.access.countKeys()).toBe(2);
      });
    });
  });
}
