/** Webhook delivery attempts (modules/webhooks/delivery-worker.ts), counted by the process that made them. */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { WebhookObserver } from '../webhooks/delivery-worker.ts';

/** One attempt: a receiver answers in milliseconds, a slow one up to the 10 s timeout. */
const WEBHOOK_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createWebhookMetrics(registry: Registry): WebhookObserver {
  const registers = [registry];
  const attempts = new Counter({
    name: 'vidforge_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome: delivered, retry (another attempt is scheduled), failed (given up)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const refused = new Counter({
    name: 'vidforge_webhook_refused_total',
    help: 'Webhook attempts the SSRF guard refused before connecting (a forbidden address, scheme or port)',
    registers,
  });
  const durations = new Histogram({
    name: 'vidforge_webhook_attempt_duration_seconds',
    help: 'Wall-clock time of each webhook attempt, by outcome',
    labelNames: ['outcome'] as const,
    buckets: WEBHOOK_SECONDS,
    registers,
  });
  for (const outcome of ['delivered', 'retry', 'failed'] as const) attempts.inc({ outcome }, 0);
  return {
    attempted(outcome, durationMs, wasRefused) {
      attempts.inc({ outcome });
      durations.observe({ outcome }, durationMs / 1000);
      if (wasRefused) refused.inc();
    },
  };
}
