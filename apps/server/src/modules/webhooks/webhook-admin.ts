/**
 * Operator actions on webhooks (`vidforge webhooks …`): subscriptions per endpoint, the endpoint
 * secret that signs per-task callbacks, and the deliveries with every attempt, replayable.
 * A subscription's secret leaves this module once, as the return value of createSubscription.
 */
import { CallbackUrl, parseWith, summarize } from '@vidforge/contract';
import type { EndpointRecord } from '../../ports/access-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { DeliveryAttempt, WebhookDelivery, WebhookStore, WebhookSubscription } from '../../ports/webhook-store.ts';
import { AdminError } from '../auth/admin.service.ts';
import { generateId } from '../auth/secrets.ts';
import { generateWebhookSecret } from './signing.ts';
import {
  isWebhookEventType,
  TERMINAL_EVENT_TYPES,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
} from './webhook-events.ts';

export interface WebhookAdminDeps {
  store: WebhookStore;
  findEndpoint(idOrPath: string): Promise<EndpointRecord>;
  clock: Clock;
}

export interface DeliveryWithAttempts extends WebhookDelivery {
  attemptLog: DeliveryAttempt[];
}

/** Deliveries shown at most, newest first. */
export const DELIVERIES_SHOWN_MAX = 1000;

export function createWebhookAdmin(deps: WebhookAdminDeps) {
  const { store, clock } = deps;

  return {
    async createSubscription(input: {
      endpoint: string;
      url: string;
      events?: readonly string[];
    }): Promise<{ subscription: WebhookSubscription & { endpointPath: string }; secret: string }> {
      const checked = parseWith(CallbackUrl, input.url);
      if (!checked.ok) throw new AdminError(`--url: ${summarize(checked.details).replace(/^: /, '')}`);
      const events = input.events === undefined || input.events.length === 0 ? TERMINAL_EVENT_TYPES : input.events;
      const unknown = events.filter((event) => !isWebhookEventType(event));
      if (unknown.length > 0) {
        throw new AdminError(`Unknown event ${unknown.join(', ')}; known events: ${WEBHOOK_EVENT_TYPES.join(', ')}`);
      }
      const endpoint = await deps.findEndpoint(input.endpoint);
      const secret = generateWebhookSecret();
      const subscription = await store.createSubscription({
        id: `whs_${generateId()}`,
        endpointId: endpoint.id,
        url: checked.value,
        events: [...new Set(events as WebhookEventType[])],
        secret,
        createdAt: clock.now(),
      });
      return { subscription: { ...subscription, endpointPath: endpoint.path }, secret };
    },

    async listSubscriptions(endpoint?: string): Promise<WebhookSubscription[]> {
      const endpointId = endpoint === undefined ? undefined : (await deps.findEndpoint(endpoint)).id;
      return store.listSubscriptions(endpointId);
    },

    async deleteSubscription(id: string): Promise<WebhookSubscription> {
      const deleted = await store.deleteSubscription(id, clock.now());
      if (!deleted) throw new AdminError(`No webhook subscription with id "${id}"`);
      return deleted;
    },

    /** The endpoint's callback signing secret, made now if it has none yet. */
    async endpointSecret(endpoint: string): Promise<{ endpointId: string; endpointPath: string; secret: string }> {
      const found = await deps.findEndpoint(endpoint);
      const secret = await store.endpointSecret(found.id, generateWebhookSecret, clock.now());
      return { endpointId: found.id, endpointPath: found.path, secret };
    },

    async deliveries(filter: {
      subscriptionId?: string;
      taskId?: string;
      limit?: number;
    }): Promise<DeliveryWithAttempts[]> {
      const limit = Math.min(filter.limit ?? 50, DELIVERIES_SHOWN_MAX);
      const list = await store.deliveries({ subscriptionId: filter.subscriptionId, taskId: filter.taskId, limit });
      return Promise.all(
        list.map(async (delivery) => ({ ...delivery, attemptLog: await store.attempts(delivery.id) })),
      );
    },

    async redeliver(id: string): Promise<WebhookDelivery> {
      const delivery = await store.redeliver(id, clock.now());
      if (!delivery) throw new AdminError(`No webhook delivery with id "${id}"`);
      return delivery;
    },
  };
}

export type WebhookAdmin = ReturnType<typeof createWebhookAdmin>;
