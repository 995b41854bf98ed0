/**
 * WebhookStore in SQL, written once for SQLite and PostgreSQL. The claim is the task queue's:
 * one transaction picks due rows (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so replicas never wait
 * on each other or take the same row; SQLite serialises writers) and leases them by moving
 * `next_attempt_at` to the lease's end with a fresh token. A worker that dies mid-attempt leaves
 * a row that is simply due again when the lease ends; every later write is fenced by the token.
 */
import { randomBytes } from 'node:crypto';
import { type Selectable, sql } from 'kysely';
import type { WebhookEventType } from '../../modules/webhooks/webhook-events.ts';
import type {
  AttemptOutcome,
  ClaimedDelivery,
  DeliveryAttempt,
  WebhookDelivery,
  WebhookStore,
  WebhookSubscription,
} from '../../ports/webhook-store.ts';
import type { WebhookDeliveriesTable, WebhookSubscriptionsTable } from './schema.ts';
import type { SqlHandle } from './sql-handle.ts';

/** The partial index webhook_deliveries_due, as a literal so the planner can use it. */
const PENDING = sql<boolean>`status = 'pending'`;

const subscriptionOf = (row: Omit<Selectable<WebhookSubscriptionsTable>, 'secret'>): WebhookSubscription => ({
  id: row.id,
  endpointId: row.endpoint_id,
  url: row.url,
  events: JSON.parse(row.events) as WebhookEventType[],
  createdAt: Number(row.created_at),
});

const n = (value: number | null) => (value === null ? null : Number(value));

const deliveryOf = (row: Selectable<WebhookDeliveriesTable>): WebhookDelivery => ({
  id: row.id,
  eventId: row.event_id,
  eventType: row.event_type as WebhookEventType,
  eventAt: Number(row.event_at),
  taskId: row.task_id,
  endpointId: row.endpoint_id,
  subscriptionId: row.subscription_id,
  url: row.url,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.status === 'pending' ? Number(row.next_attempt_at) : null,
  lastStatusCode: row.last_status_code,
  lastError: row.last_error,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
  deliveredAt: n(row.delivered_at),
});

const SUBSCRIPTION_COLUMNS = ['id', 'endpoint_id', 'url', 'events', 'created_at'] as const;

export function createSqlWebhookStore(handle: SqlHandle): WebhookStore {
  const { db } = handle;
  const postgres = handle.dialect === 'postgres';

  return {
    async createSubscription(subscription) {
      await db
        .insertInto('webhook_subscriptions')
        .values({
          id: subscription.id,
          endpoint_id: subscription.endpointId,
          url: subscription.url,
          events: JSON.stringify(subscription.events),
          secret: subscription.secret,
          created_at: subscription.createdAt,
        })
        .execute();
      const { secret: _secret, ...shown } = subscription;
      return shown;
    },

    async listSubscriptions(endpointId) {
      const rows = await db
        .selectFrom('webhook_subscriptions')
        .select(SUBSCRIPTION_COLUMNS)
        .$if(endpointId !== undefined, (qb) => qb.where('endpoint_id', '=', endpointId ?? ''))
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(subscriptionOf);
    },

    async pruneSettled(before, limit) {
      // created_at first: it is indexed, and a delivery changed before `before` was made before it.
      const old = db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('created_at', '<', before)
        .where('updated_at', '<', before)
        .where('status', '<>', 'pending')
        .limit(limit);
      // Attempts go with their delivery (ON DELETE CASCADE).
      const result = await db.deleteFrom('webhook_deliveries').where('id', 'in', old).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    deleteSubscription(id, now) {
      return handle.transaction(async (trx) => {
        const row = await trx
          .selectFrom('webhook_subscriptions')
          .select(SUBSCRIPTION_COLUMNS)
          .where('id', '=', id)
          .executeTakeFirst();
        if (!row) return null;
        await trx.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
        await trx
          .updateTable('webhook_deliveries')
          .set({ status: 'failed', lease_token: null, last_error: 'subscription deleted', updated_at: now })
          .where('subscription_id', '=', id)
          .where(PENDING)
          .execute();
        return subscriptionOf(row);
      });
    },

    async endpointSecret(endpointId, make, now) {
      const read = () =>
        db.selectFrom('webhook_secrets').select('secret').where('endpoint_id', '=', endpointId).executeTakeFirst();
      const existing = await read();
      if (existing) return existing.secret;
      // Two processes making it at once: the first insert wins and both read the winner.
      await db
        .insertInto('webhook_secrets')
        .values({ endpoint_id: endpointId, secret: make(), created_at: now })
        .onConflict((conflict) => conflict.column('endpoint_id').doNothing())
        .execute();
      const made = await read();
      if (!made) throw new Error(`no webhook secret for endpoint ${endpointId}`);
      return made.secret;
    },

    async signingSecret(delivery) {
      if (delivery.subscriptionId === null) {
        const row = await db
          .selectFrom('webhook_secrets')
          .select('secret')
          .where('endpoint_id', '=', delivery.endpointId)
          .executeTakeFirst();
        return row?.secret ?? null;
      }
      const row = await db
        .selectFrom('webhook_subscriptions')
        .select('secret')
        .where('id', '=', delivery.subscriptionId)
        .executeTakeFirst();
      return row?.secret ?? null;
    },

    claimDue(now, limit, leaseMs) {
      if (limit <= 0) return Promise.resolve([]);
      const token = randomBytes(18).toString('base64url');
      return handle.transaction(async (trx) => {
        const due = await trx
          .selectFrom('webhook_deliveries')
          .select('id')
          .where(PENDING)
          .where('next_attempt_at', '<=', now)
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(limit)
          .$if(postgres, (qb) => qb.forUpdate().skipLocked())
          .execute();
        if (due.length === 0) return [];
        const ids = due.map((row) => row.id);
        await trx
          .updateTable('webhook_deliveries')
          .set({ lease_token: token, next_attempt_at: now + leaseMs, updated_at: now })
          .where('id', 'in', ids)
          .execute();
        const rows = await trx.selectFrom('webhook_deliveries').selectAll().where('id', 'in', ids).execute();
        return rows.map((row) => ({
          ...deliveryOf(row),
          leaseToken: token,
          roundAttempts: row.round_attempts,
          roundStartedAt: Number(row.round_started_at),
        }));
      });
    },

    async nextDueAt() {
      const row = await db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.min('next_attempt_at').as('next'))
        .where(PENDING)
        .executeTakeFirst();
      return row?.next === null || row?.next === undefined ? null : Number(row.next);
    },

    settle(delivery: ClaimedDelivery, attempt, outcome: AttemptOutcome, now) {
      return handle.transaction(async (trx) => {
        const held = await trx
          .selectFrom('webhook_deliveries')
          .select('attempts')
          .where('id', '=', delivery.id)
          .where('lease_token', '=', delivery.leaseToken)
          .where(PENDING)
          .$if(postgres, (qb) => qb.forUpdate())
          .executeTakeFirst();
        if (!held) return false;
        const number = held.attempts + 1;
        await trx
          .insertInto('webhook_attempts')
          .values({
            delivery_id: delivery.id,
            attempt: number,
            started_at: attempt.startedAt,
            duration_ms: Math.max(0, Math.round(attempt.durationMs)),
            status_code: attempt.statusCode,
            error: attempt.error,
          })
          .execute();
        await trx
          .updateTable('webhook_deliveries')
          .set((eb) => ({
            status: outcome.status,
            attempts: number,
            round_attempts: eb('round_attempts', '+', 1),
            next_attempt_at: outcome.status === 'pending' ? outcome.nextAttemptAt : now,
            lease_token: null,
            last_status_code: attempt.statusCode,
            last_error: attempt.error,
            updated_at: now,
            delivered_at: outcome.status === 'delivered' ? now : null,
          }))
          .where('id', '=', delivery.id)
          .execute();
        return true;
      });
    },

    async deliveries(filter) {
      const rows = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .$if(filter.subscriptionId !== undefined, (qb) => qb.where('subscription_id', '=', filter.subscriptionId ?? ''))
        .$if(filter.taskId !== undefined, (qb) => qb.where('task_id', '=', filter.taskId ?? ''))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.max(0, Math.floor(filter.limit)))
        .execute();
      return rows.map(deliveryOf);
    },

    async delivery(id) {
      const row = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? deliveryOf(row) : null;
    },

    async attempts(deliveryId) {
      const rows = await db
        .selectFrom('webhook_attempts')
        .select(['attempt', 'started_at', 'duration_ms', 'status_code', 'error'])
        .where('delivery_id', '=', deliveryId)
        .orderBy('attempt')
        .execute();
      return rows.map(
        (row): DeliveryAttempt => ({
          attempt: row.attempt,
          startedAt: Number(row.started_at),
          durationMs: row.duration_ms,
          statusCode: row.status_code,
          error: row.error,
        }),
      );
    },

    redeliver(id, now) {
      return handle.transaction(async (trx) => {
        const row = await trx
          .selectFrom('webhook_deliveries')
          .selectAll()
          .where('id', '=', id)
          .$if(postgres, (qb) => qb.forUpdate())
          .executeTakeFirst();
        if (!row) return null;
        const running = row.status === 'pending' && row.lease_token !== null && Number(row.next_attempt_at) > now;
        if (running) return deliveryOf(row);
        await trx
          .updateTable('webhook_deliveries')
          .set({
            status: 'pending',
            round_attempts: 0,
            round_started_at: now,
            next_attempt_at: now,
            lease_token: null,
            updated_at: now,
          })
          .where('id', '=', id)
          .execute();
        const updated = await trx
          .selectFrom('webhook_deliveries')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        return deliveryOf(updated);
      });
    },
  };
}
