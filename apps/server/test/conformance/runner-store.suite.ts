/** RunnerStore conformance: runners by token hash, revocation, last seen. Every adapter must pass this unchanged. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunnerRecord, RunnerStore } from '../../src/ports/runner-store.ts';
import { newId, T0 } from './fixtures.ts';

export interface RunnerFixture {
  runners: RunnerStore;
  cleanup(): Promise<void>;
}

const runner = (overrides: Partial<RunnerRecord & { hash: string }> = {}) => ({
  id: newId(),
  name: 'gpu-01',
  prefix: 'vfr_abcdef',
  engines: ['ltx-video', 'wan2.2'],
  operations: ['generate', 'extend'] as RunnerRecord['operations'],
  concurrency: 2,
  createdAt: T0,
  hash: newId(),
  ...overrides,
});

export function runnerStoreSuite(name: string, factory: () => Promise<RunnerFixture>): void {
  describe(`RunnerStore conformance: ${name}`, () => {
    let fx: RunnerFixture;
    beforeEach(async () => {
      fx = await factory();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it('stores a runner and finds it by id and by token hash, never exposing the hash', async () => {
      const { hash, ...record } = runner();
      await fx.runners.create({ ...record, hash });
      const expected = { ...record, revokedAt: null, lastSeenAt: null };
      expect(await fx.runners.get(record.id)).toEqual(expected);
      expect(await fx.runners.byHash(hash)).toEqual(expected);
      expect(await fx.runners.byHash(newId())).toBeNull();
      expect(await fx.runners.get(newId())).toBeNull();
      expect(await fx.runners.list()).toEqual([expected]);
    });

    it('refuses a second runner with the same token hash', async () => {
      const first = runner();
      await fx.runners.create(first);
      await expect(fx.runners.create(runner({ hash: first.hash }))).rejects.toThrow();
    });

    it('revokes idempotently: the token stops working, the record stays', async () => {
      const r = runner();
      await fx.runners.create(r);
      expect(await fx.runners.revoke(r.id, T0 + 10)).toBe(true);
      expect(await fx.runners.revoke(r.id, T0 + 20)).toBe(true);
      expect(await fx.runners.byHash(r.hash)).toBeNull();
      expect((await fx.runners.get(r.id))?.revokedAt).toBe(T0 + 10);
      expect(await fx.runners.revoke(newId(), T0)).toBe(false);
    });

    it('records last seen at most once per interval', async () => {
      const r = runner();
      await fx.runners.create(r);
      await fx.runners.touch(r.id, T0 + 100, 1000);
      await fx.runners.touch(r.id, T0 + 500, 1000);
      expect((await fx.runners.get(r.id))?.lastSeenAt).toBe(T0 + 100);
      await fx.runners.touch(r.id, T0 + 1100, 1000);
      expect((await fx.runners.get(r.id))?.lastSeenAt).toBe(T0 + 1100);
    });

    it('lists runners oldest first', async () => {
      const later = runner({ createdAt: T0 + 5 });
      const earlier = runner({ createdAt: T0 });
      await fx.runners.create(later);
      await fx.runners.create(earlier);
      expect((await fx.runners.list()).map((r) => r.id)).toEqual([earlier.id, later.id]);
    });
  });
}
