/**
 * The webhook delivery worker (worker role): claims due outbox rows with a lease, sends each one
 * signed, and records the attempt and what follows (delivered, another attempt later, given up).
 * At most `concurrency` attempts are in flight, off every request path, so a slow, down,
 * failing or redirecting receiver costs this loop a slot for at most `timeoutMs` and the API
 * nothing. It wakes on the work signal (the ledger decorator in outbox-wakeups.ts notifies after
 * each commit that may have written an event), at the next due retry, and at least every
 * `pollIntervalMs` (events committed by other processes, wake-ups lost in a crash).
 */
import type { Logger } from 'pino';
import type { Clock } from '../../ports/clock.ts';
import type { TaskLedger } from '../../ports/task-ledger.ts';
import type { ClaimedDelivery, WebhookStore } from '../../ports/webhook-store.ts';
import type { WorkSignal } from '../../ports/work-signal.ts';
import type { TaskView } from '../tasks/task-view.ts';
import type { RetrySchedule } from './retry-schedule.ts';
import { generateWebhookSecret, signWebhook } from './signing.ts';
import type { WebhookSend } from './webhook-sender.ts';

/** The work-signal name the outbox's writers notify and this worker waits on. */
export const WEBHOOK_SIGNAL = 'vidforge:webhooks';

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

/** Told about every settled attempt (metrics). */
export interface WebhookObserver {
  attempted(outcome: DeliveryOutcome, durationMs: number, refused: boolean): void;
}

export interface WebhookWorkerDeps {
  store: WebhookStore;
  ledger: Pick<TaskLedger, 'get'>;
  view: TaskView;
  signal: WorkSignal;
  clock: Clock;
  send: WebhookSend;
  schedule: RetrySchedule;
  concurrency: number;
  pollIntervalMs: number;
  /** How long a claimed delivery is held: past it, another worker may try it again. */
  leaseMs: number;
  observer?: WebhookObserver;
  log: Pick<Logger, 'warn' | 'debug'>;
}

export interface WebhookWorker {
  start(): void;
  /** Stops claiming; attempts in flight get `graceMs` to end (an unsettled one is retried after its lease). */
  stop(graceMs: number): Promise<void>;
}

export function createWebhookWorker(deps: WebhookWorkerDeps): WebhookWorker {
  const { store, clock, log } = deps;
  const inFlight = new Set<Promise<void>>();
  const stopping = new AbortController();
  let loop: Promise<void> | null = null;
  let kick: (() => void) | null = null;

  async function deliver(delivery: ClaimedDelivery): Promise<void> {
    const startedAt = clock.now();
    const began = performance.now();
    // A callback is signed with its endpoint's secret, made on first need.
    const secret =
      delivery.subscriptionId === null
        ? await store.endpointSecret(delivery.endpointId, generateWebhookSecret, startedAt)
        : await store.signingSecret(delivery);
    let result: { statusCode: number | null; error: string | null; refused: boolean };
    if (secret === null) {
      result = { statusCode: null, error: 'its subscription was deleted', refused: false };
    } else {
      const task = await deps.ledger.get(delivery.taskId);
      const data = task ? await deps.view(task, clock.now()) : { taskId: delivery.taskId };
      const body = JSON.stringify({
        type: delivery.eventType,
        timestamp: new Date(delivery.eventAt).toISOString(),
        data,
      });
      const headers = signWebhook(secret, delivery.eventId, Math.floor(clock.now() / 1000), body);
      result = await deps.send(delivery.url, { ...headers }, body);
    }
    const durationMs = performance.now() - began;
    const now = clock.now();
    let outcome: DeliveryOutcome;
    let settled: Parameters<WebhookStore['settle']>[2];
    if (result.error === null) {
      outcome = 'delivered';
      settled = { status: 'delivered' };
    } else {
      const next =
        secret === null ? null : deps.schedule.next(delivery.roundAttempts + 1, delivery.roundStartedAt, now);
      outcome = next === null ? 'failed' : 'retry';
      settled = next === null ? { status: 'failed' } : { status: 'pending', nextAttemptAt: next };
    }
    const attempt = { startedAt, durationMs, statusCode: result.statusCode, error: result.error };
    if (await store.settle(delivery, attempt, settled, now)) {
      deps.observer?.attempted(outcome, durationMs, result.refused);
      if (outcome !== 'delivered') {
        log.debug(
          { deliveryId: delivery.id, url: delivery.url, error: result.error, outcome },
          'webhook not delivered',
        );
      }
    }
  }

  function track(delivery: ClaimedDelivery) {
    const running = deliver(delivery)
      .catch((err: unknown) => log.warn({ err, deliveryId: delivery.id }, 'webhook delivery failed unexpectedly'))
      .finally(() => {
        inFlight.delete(running);
        kick?.();
      });
    inFlight.add(running);
  }

  /** Sleeps until a wake-up, a finished attempt, the next due time or the poll interval. */
  async function sleep(ms: number) {
    const wake = new AbortController();
    const woken = new Promise<void>((resolve) => {
      kick = resolve;
    });
    try {
      await Promise.race([
        deps.signal.wait([WEBHOOK_SIGNAL], Math.max(1, ms), AbortSignal.any([wake.signal, stopping.signal])),
        woken,
      ]);
    } finally {
      kick = null;
      wake.abort();
    }
  }

  async function run() {
    while (!stopping.signal.aborted) {
      let wait = deps.pollIntervalMs;
      try {
        const free = deps.concurrency - inFlight.size;
        if (free > 0) {
          const claimed = await store.claimDue(clock.now(), free, deps.leaseMs);
          for (const delivery of claimed) track(delivery);
          if (claimed.length === free) continue;
          const next = await store.nextDueAt();
          if (next !== null) wait = Math.min(wait, Math.max(1, next - clock.now()));
        }
      } catch (err) {
        log.warn({ err }, 'webhook worker: cannot read the outbox; trying again');
      }
      if (stopping.signal.aborted) break;
      await sleep(wait);
    }
  }

  return {
    start() {
      loop ??= run();
    },
    async stop(graceMs) {
      stopping.abort();
      kick?.();
      await loop;
      if (inFlight.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...inFlight]),
          new Promise((resolve) => {
            timer = setTimeout(resolve, graceMs);
          }),
        ]);
        clearTimeout(timer);
      }
    },
  };
}
