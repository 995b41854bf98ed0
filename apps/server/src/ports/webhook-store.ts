/**
 * Webhook subscriptions, signing secrets and the delivery outbox (docs/webhooks.md). Outbox rows
 * are written by the ledger, in the transaction of the task transition that causes the event;
 * this port is how the delivery worker claims and settles them and how operators look at them.
 */
import type { WebhookEventType } from '../modules/webhooks/webhook-events.ts';

export interface WebhookSubscription {
  id: string;
  endpointId: string;
  url: string;
  events: WebhookEventType[];
  createdAt: number;
}

export interface NewWebhookSubscription extends WebhookSubscription {
  secret: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: string;
  /** The `webhook-id` header: one per event, shared by its destinations and every attempt. */
  eventId: string;
  eventType: WebhookEventType;
  eventAt: number;
  taskId: string;
  endpointId: string;
  /** null: the task's own callback URL. */
  subscriptionId: string | null;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  /** Due time of the next attempt while pending (or the end of the running attempt's lease). */
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
}

/** A delivery claimed for one attempt: fenced by `leaseToken` until settled. */
export interface ClaimedDelivery extends WebhookDelivery {
  leaseToken: string;
  /** Attempts since it was (re)queued, and when that was: the retry schedule counts from there. */
  roundAttempts: number;
  roundStartedAt: number;
}

export interface DeliveryAttempt {
  attempt: number;
  startedAt: number;
  durationMs: number;
  /** The receiver's HTTP status; null when none came (refused, unreachable, timed out). */
  statusCode: number | null;
  error: string | null;
}

/** What an attempt leads to: done, another attempt at `nextAttemptAt`, or given up. */
export type AttemptOutcome =
  | { status: 'delivered' }
  | { status: 'pending'; nextAttemptAt: number }
  | { status: 'failed' };

export interface DeliveryFilter {
  subscriptionId?: string;
  taskId?: string;
  /** Newest first; at most this many. */
  limit: number;
}

export interface WebhookStore {
  createSubscription(subscription: NewWebhookSubscription): Promise<WebhookSubscription>;
  /** Every subscription, or those of one endpoint; oldest first. */
  listSubscriptions(endpointId?: string): Promise<WebhookSubscription[]>;
  /** Deletes it; its pending deliveries fail ("subscription deleted"). Null when there was none. */
  deleteSubscription(id: string, now: number): Promise<WebhookSubscription | null>;
  /** The endpoint's callback signing secret, made with `make()` on first need (once, whoever races). */
  endpointSecret(endpointId: string, make: () => string, now: number): Promise<string>;
  /** The secret a delivery is signed with: its subscription's, or its endpoint's; null if that is gone. */
  signingSecret(delivery: WebhookDelivery): Promise<string | null>;
  /**
   * Up to `limit` pending deliveries due at `now`, leased for `leaseMs`: no other claim gets them
   * until settled or the lease ends (then they are due again, so a killed worker loses nothing).
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]>;
  /** The earliest due time of a pending delivery, or null when none is pending. */
  nextDueAt(): Promise<number | null>;
  /** Records the attempt and its outcome if the lease is still the caller's; false otherwise. */
  settle(
    delivery: ClaimedDelivery,
    attempt: Omit<DeliveryAttempt, 'attempt'>,
    outcome: AttemptOutcome,
    now: number,
  ): Promise<boolean>;
  deliveries(filter: DeliveryFilter): Promise<WebhookDelivery[]>;
  delivery(id: string): Promise<WebhookDelivery | null>;
  attempts(deliveryId: string): Promise<DeliveryAttempt[]>;
  /**
   * Queues a new round of attempts now (same webhook-id). A delivery whose attempt is running is
   * left as it is. Null when there is no such delivery.
   */
  redeliver(id: string, now: number): Promise<WebhookDelivery | null>;
  /**
   * Deletes up to `limit` settled deliveries (delivered or failed) last changed before `before`,
   * with their attempts; pending ones are never touched. Returns how many were deleted.
   */
  pruneSettled(before: number, limit: number): Promise<number>;
}
