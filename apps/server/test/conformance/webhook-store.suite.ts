/**
 * The webhook outbox and its store: events written with the transitions that cause them, claims
 * under a lease that two handles (two replicas) never share, fenced settles, redelivery.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessStore } from '../../src/ports/access-store.ts';
import type { TaskLedger } from '../../src/ports/task-ledger.ts';
import type { WebhookStore } from '../../src/ports/webhook-store.ts';
import { createTask, ENDPOINT, ENGINE, T0, VIDEO } from './fixtures.ts';

export interface WebhookStoreFixture {
  ledger: TaskLedger;
  access: AccessStore;
  /** Two handles on one database: as two replicas of a fleet. */
  stores: [WebhookStore, WebhookStore];
  cleanup(): Promise<void>;
}

const LEASE = 30_000;

export function webhookStoreSuite(name: string, factory: () => Promise<WebhookStoreFixture>): void {
  describe(`WebhookStore conformance: ${name}`, () => {
    let fx: WebhookStoreFixture;
    let store: WebhookStore;
    beforeEach(async () => {
      fx = await factory();
      store = fx.stores[0];
      await fx.access.createEndpoint({
        id: ENDPOINT,
        path: 'conformance',
        engine: ENGINE,
        settings: {},
        name: null,
        createdAt: T0,
      });
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    const subscribe = (id: string, events: string[], url = `https://example.com/${id}`) =>
      store.createSubscription({
        id,
        endpointId: ENDPOINT,
        url,
        events: events as never,
        secret: `whsec_${id}`,
        createdAt: T0,
      });

    async function runToEnd(taskId: string, end: 'commit' | 'fail') {
      const lease = await fx.ledger.claim({ engines: [ENGINE], workerId: 'w1', leaseMs: LEASE, now: T0 + 10 });
      expect(lease?.taskId).toBe(taskId);
      if (end === 'commit') {
        expect(await fx.ledger.commit(lease!, { video: VIDEO, outputKey: 'k', retainUntil: T0 + 1e9 }, T0 + 20)).toBe(
          true,
        );
      } else {
        expect(await fx.ledger.fail(lease!, { code: 'ENGINE_FAILED', message: 'no' }, T0 + 20)).toBe(true);
      }
    }

    it('writes one delivery per destination with the transition: subscribers, and the task callback for terminal events', async () => {
      await subscribe('whs_all', ['task.succeeded', 'task.failed', 'task.cancelled', 'task.started']);
      await subscribe('whs_failed', ['task.failed']);
      const task = await createTask(fx.ledger, { callbackUrl: 'https://example.com/cb' });
      await runToEnd(task.id, 'commit');

      const rows = await store.deliveries({ taskId: task.id, limit: 10 });
      const seen = rows.map((d) => [d.eventType, d.subscriptionId, d.url]).sort();
      expect(seen).toEqual(
        [
          ['task.started', 'whs_all', 'https://example.com/whs_all'],
          ['task.succeeded', 'whs_all', 'https://example.com/whs_all'],
          ['task.succeeded', null, 'https://example.com/cb'],
        ].sort(),
      );
      const succeeded = rows.filter((d) => d.eventType === 'task.succeeded');
      // One event, two destinations: the same webhook-id.
      expect(succeeded[0]!.eventId).toBe(succeeded[1]!.eventId);
      expect(succeeded[0]!.eventAt).toBe(T0 + 20);
      expect(rows.every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true);
    });

    it('failed and cancelled tasks cause task.failed and task.cancelled; a later attempt is no new start', async () => {
      await subscribe('whs_all', ['task.succeeded', 'task.failed', 'task.cancelled', 'task.started']);
      const failing = await createTask(fx.ledger);
      const first = await fx.ledger.claim({ engines: [ENGINE], workerId: 'w1', leaseMs: LEASE, now: T0 + 10 });
      expect(await fx.ledger.retry(first!, { code: 'ENGINE_FAILED', message: 'again' }, T0 + 15, T0 + 12)).toBe(true);
      const second = await fx.ledger.claim({ engines: [ENGINE], workerId: 'w1', leaseMs: LEASE, now: T0 + 20 });
      expect(second?.attempt).toBe(2);
      expect(await fx.ledger.fail(second!, { code: 'ENGINE_FAILED', message: 'no' }, T0 + 30)).toBe(true);
      const cancelled = await createTask(fx.ledger);
      await fx.ledger.terminate(cancelled.id, { code: 'CANCELLED', message: 'by the client' }, T0 + 40);

      const types = async (taskId: string) =>
        (await store.deliveries({ taskId, limit: 10 })).map((d) => d.eventType).sort();
      expect(await types(failing.id)).toEqual(['task.failed', 'task.started']);
      expect(await types(cancelled.id)).toEqual(['task.cancelled']);
    });

    it('writes nothing for a task without destinations', async () => {
      const task = await createTask(fx.ledger);
      await runToEnd(task.id, 'fail');
      expect(await store.deliveries({ taskId: task.id, limit: 10 })).toEqual([]);
      expect(await store.nextDueAt()).toBeNull();
    });

    it('leases each due delivery to one claimer of two handles, due again after the lease', async () => {
      await subscribe('whs_a', ['task.succeeded']);
      await subscribe('whs_b', ['task.succeeded']);
      await subscribe('whs_c', ['task.succeeded']);
      const task = await createTask(fx.ledger);
      await runToEnd(task.id, 'commit');
      const now = T0 + 100;
      const claims = await Promise.all([
        fx.stores[0].claimDue(now, 2, LEASE),
        fx.stores[1].claimDue(now, 2, LEASE),
        fx.stores[0].claimDue(now, 2, LEASE),
      ]);
      const ids = claims.flat().map((d) => d.id);
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(3);
      expect(await store.claimDue(now + 1, 10, LEASE)).toEqual([]);
      expect(await store.nextDueAt()).toBe(now + LEASE);
      // A claimer that died: its rows are due again when the lease ends, and its settle is fenced out.
      const again = await fx.stores[1].claimDue(now + LEASE, 10, LEASE);
      expect(again.map((d) => d.id).sort()).toEqual([...ids].sort());
      const stale = claims.flat()[0]!;
      const attempt = { startedAt: now, durationMs: 5, statusCode: 200, error: null };
      expect(await store.settle(stale, attempt, { status: 'delivered' }, now + 1)).toBe(false);
      const current = again.find((d) => d.id === stale.id)!;
      expect(await store.settle(current, attempt, { status: 'delivered' }, now + LEASE + 1)).toBe(true);
      expect((await store.delivery(stale.id))?.status).toBe('delivered');
      expect(await store.attempts(stale.id)).toEqual([{ attempt: 1, ...attempt }]);
    });

    it('records every attempt; a retry is due at its time; redeliver queues a new round', async () => {
      await subscribe('whs_a', ['task.failed']);
      const task = await createTask(fx.ledger);
      await runToEnd(task.id, 'fail');
      const [claimed] = await store.claimDue(T0 + 100, 5, LEASE);
      expect(claimed?.roundAttempts).toBe(0);
      const failed = { startedAt: T0 + 100, durationMs: 12, statusCode: 500, error: 'HTTP 500' };
      expect(await store.settle(claimed!, failed, { status: 'pending', nextAttemptAt: T0 + 5_000 }, T0 + 112)).toBe(
        true,
      );
      expect(await store.claimDue(T0 + 4_999, 5, LEASE)).toEqual([]);
      const [retried] = await store.claimDue(T0 + 5_000, 5, LEASE);
      expect(retried?.roundAttempts).toBe(1);
      const refused = { startedAt: T0 + 5_000, durationMs: 1, statusCode: null, error: 'refused: no' };
      expect(await store.settle(retried!, refused, { status: 'failed' }, T0 + 5_001)).toBe(true);
      const given = await store.delivery(claimed!.id);
      expect(given).toMatchObject({ status: 'failed', attempts: 2, lastStatusCode: null, lastError: 'refused: no' });
      expect((await store.attempts(claimed!.id)).map((a) => a.statusCode)).toEqual([500, null]);

      const again = await store.redeliver(claimed!.id, T0 + 9_000);
      expect(again).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 9_000, eventId: claimed!.eventId });
      const [round] = await store.claimDue(T0 + 9_000, 5, LEASE);
      expect(round).toMatchObject({ roundAttempts: 0, roundStartedAt: T0 + 9_000 });
      expect(await store.redeliver('whd_nope', T0)).toBeNull();
    });

    it('prunes settled deliveries older than the cut with their attempts, never a pending one', async () => {
      await subscribe('whs_a', ['task.succeeded', 'task.failed']);
      const done = await createTask(fx.ledger);
      await runToEnd(done.id, 'commit');
      const [claimed] = await store.claimDue(T0 + 100, 5, LEASE);
      const ok = { startedAt: T0 + 100, durationMs: 5, statusCode: 204, error: null };
      expect(await store.settle(claimed!, ok, { status: 'delivered' }, T0 + 105)).toBe(true);
      const waiting = await createTask(fx.ledger);
      await runToEnd(waiting.id, 'fail');
      const [pending] = await store.deliveries({ taskId: waiting.id, limit: 5 });
      expect(pending?.status).toBe('pending');

      // Changed at T0 + 105: kept by a cut at that time, pruned by one after it.
      expect(await store.pruneSettled(T0 + 105, 100)).toBe(0);
      expect(await store.pruneSettled(T0 + 1e9, 100)).toBe(1);
      expect(await store.delivery(claimed!.id)).toBeNull();
      expect(await store.attempts(claimed!.id)).toEqual([]);
      expect((await store.delivery(pending!.id))?.status).toBe('pending');
    });

    it('deleting a subscription fails its pending deliveries; secrets: the subscription’s, or the endpoint’s made once', async () => {
      await subscribe('whs_a', ['task.succeeded']);
      const task = await createTask(fx.ledger, { callbackUrl: 'https://example.com/cb' });
      await runToEnd(task.id, 'commit');
      const rows = await store.deliveries({ taskId: task.id, limit: 10 });
      const bySubscription = rows.find((d) => d.subscriptionId === 'whs_a')!;
      const byCallback = rows.find((d) => d.subscriptionId === null)!;
      expect(await store.signingSecret(bySubscription)).toBe('whsec_whs_a');
      expect(await store.signingSecret(byCallback)).toBeNull();
      let made = 0;
      const make = () => `whsec_made_${++made}`;
      const secrets = await Promise.all([
        fx.stores[0].endpointSecret(ENDPOINT, make, T0),
        fx.stores[1].endpointSecret(ENDPOINT, make, T0),
      ]);
      expect(secrets[0]).toBe(secrets[1]);
      expect(await store.signingSecret(byCallback)).toBe(secrets[0]);

      expect((await store.deleteSubscription('whs_a', T0 + 50))?.id).toBe('whs_a');
      expect(await store.deleteSubscription('whs_a', T0 + 50)).toBeNull();
      expect(await store.delivery(bySubscription.id)).toMatchObject({
        status: 'failed',
        lastError: 'subscription deleted',
      });
      expect((await store.delivery(byCallback.id))?.status).toBe('pending');
      expect(await store.listSubscriptions()).toEqual([]);
    });
  });
}
