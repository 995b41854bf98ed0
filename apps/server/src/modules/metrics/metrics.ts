/**
 * The process's metrics: one prom-client Registry made here and injected (never prom-client's
 * global default registry, so two servers in one process, as in tests, never share counters).
 * Each process exposes its own counters; Prometheus sums them across replicas
 * (docs/observability.md says which metrics to sum and which not).
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { FetchObserver, MediaRunObserver } from '../media/index.ts';
import type { StreamObserver } from '../tasks/task-streams.ts';
import type { WebhookObserver } from '../webhooks/delivery-worker.ts';
import { createHttpMetrics, type HttpObserver } from './http-metrics.ts';
import { createMediaMetrics } from './media-metrics.ts';
import { createStreamMetrics } from './stream-metrics.ts';
import type { TaskEvents } from './task-events.ts';
import { createTaskMetrics } from './task-metrics.ts';
import { createWebhookMetrics } from './webhook-metrics.ts';

export interface Metrics {
  registry: Registry;
  http: HttpObserver;
  tasks: TaskEvents;
  fetches: FetchObserver;
  processes: MediaRunObserver;
  webhooks: WebhookObserver;
  streams: StreamObserver;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // Node's and the process's own (CPU, memory, event-loop lag, GC, handles), under their usual
  // names (process_*, nodejs_*) so that existing Node.js dashboards work unchanged.
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const media = createMediaMetrics(registry);
  return {
    registry,
    http: createHttpMetrics(registry),
    tasks: createTaskMetrics(registry),
    fetches: media.fetches,
    processes: media.processes,
    webhooks: createWebhookMetrics(registry),
    streams: createStreamMetrics(registry),
  };
}
