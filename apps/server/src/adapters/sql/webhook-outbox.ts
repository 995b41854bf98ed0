/**
 * The outbox side of webhooks: inside the transaction that writes a task transition, one row per
 * destination of the event it causes (the endpoint's subscriptions that ask for it, and for a
 * terminal event the task's own callback URL). Nothing is sent from here; the delivery worker
 * (modules/webhooks) claims the rows after the commit, so an event exists if and only if its state
 * change does, whatever crashes after.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isWebhookEventType, type WebhookEventType } from '../../modules/webhooks/webhook-events.ts';
import type { SqlSchema } from './schema.ts';

const randomId = (prefix: string) => `${prefix}${randomBytes(16).toString('base64url')}`;

export async function enqueueTaskEvent(
  trx: Kysely<SqlSchema>,
  taskId: string,
  type: WebhookEventType,
  at: number,
): Promise<void> {
  const subscriptions = await trx
    .selectFrom('webhook_subscriptions as s')
    .innerJoin('tasks as t', 't.endpoint_id', 's.endpoint_id')
    .select(['s.id', 's.url', 's.events'])
    .where('t.id', '=', taskId)
    .execute();
  const targets: { subscription_id: string | null; url: string }[] = subscriptions
    .filter((s) => (JSON.parse(s.events) as string[]).some((e) => isWebhookEventType(e) && e === type))
    .map((s) => ({ subscription_id: s.id, url: s.url }));
  let endpointId: string | null = null;
  if (type !== 'task.started' || targets.length > 0) {
    const task = await trx
      .selectFrom('tasks')
      .select(['endpoint_id', 'callback_url'])
      .where('id', '=', taskId)
      .executeTakeFirst();
    if (!task) return;
    endpointId = task.endpoint_id;
    // A task's own callback gets its terminal event only.
    if (task.callback_url !== null && type !== 'task.started') {
      targets.push({ subscription_id: null, url: task.callback_url });
    }
  }
  if (targets.length === 0 || endpointId === null) return;
  const eventId = randomId('msg_');
  await trx
    .insertInto('webhook_deliveries')
    .values(
      targets.map((target) => ({
        id: randomId('whd_'),
        event_id: eventId,
        event_type: type,
        event_at: at,
        task_id: taskId,
        endpoint_id: endpointId,
        subscription_id: target.subscription_id,
        url: target.url,
        status: 'pending' as const,
        attempts: 0,
        round_attempts: 0,
        round_started_at: at,
        next_attempt_at: at,
        lease_token: null,
        last_status_code: null,
        last_error: null,
        created_at: at,
        updated_at: at,
        delivered_at: null,
      })),
    )
    .execute();
}
