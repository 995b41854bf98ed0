/** The metrics module's public surface: what main.ts wires and app.ts serves. */
export { UNMATCHED_ROUTE } from './http-metrics.ts';
export { type MetricsRouteDeps, registerMetricsRoute } from './metrics.routes.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export { buildMetricsApp } from './metrics-app.ts';
export { type QueueMetricsDeps, registerQueueMetrics } from './queue-metrics.ts';
export { type AttemptEnd, type TaskEvents, type TaskLabels, UNOBSERVED_TASKS } from './task-events.ts';
export { registerUsageMetrics, type UsageMetricsDeps } from './usage-metrics.ts';
