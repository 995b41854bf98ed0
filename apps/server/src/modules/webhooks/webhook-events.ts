/**
 * Which webhook event a task transition causes: a pure decision, made where the transition is
 * written (adapters/sql/apply-transition.ts) so that the outbox row and the state change share one
 * transaction. `task.started` is the first claim of a task (later attempts after a retry are not
 * new starts); the terminal three end every task exactly once.
 */
import type { TaskError, TaskStatus } from '@vidforge/contract';

export const WEBHOOK_EVENT_TYPES = ['task.succeeded', 'task.failed', 'task.cancelled', 'task.started'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What a subscription gets when it names no events: every terminal one. */
export const TERMINAL_EVENT_TYPES: readonly WebhookEventType[] = ['task.succeeded', 'task.failed', 'task.cancelled'];

export const isWebhookEventType = (text: string): text is WebhookEventType =>
  (WEBHOOK_EVENT_TYPES as readonly string[]).includes(text);

/** The terminal event of a change to the task row, or null when the change ends nothing. */
export function terminalEventOf(change: { status?: TaskStatus; error?: TaskError | null }): WebhookEventType | null {
  if (change.status === 'SUCCESS') return 'task.succeeded';
  if (change.status === 'FAIL') return change.error?.code === 'CANCELLED' ? 'task.cancelled' : 'task.failed';
  return null;
}
