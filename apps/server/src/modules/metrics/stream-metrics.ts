/** Live-progress streams (modules/tasks/task-streams.ts): per process; sum across replicas. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { StreamObserver } from '../tasks/task-streams.ts';

export function createStreamMetrics(registry: Registry): StreamObserver {
  const registers = [registry];
  const open = new Gauge({
    name: 'vidforge_sse_streams_open',
    help: 'Live-progress (Server-Sent Events) streams open on this process',
    registers,
  });
  const refused = new Counter({
    name: 'vidforge_sse_streams_refused_total',
    help: 'Streams refused at a cap: reason process (503 STREAMS_FULL) or key (429 TOO_MANY_STREAMS)',
    labelNames: ['reason'] as const,
    registers,
  });
  const events = new Counter({
    name: 'vidforge_sse_events_total',
    help: 'Events written to streams: task (a status or progress change), done (the final one), queue (a new place in line)',
    labelNames: ['event'] as const,
    registers,
  });
  const coalesced = new Counter({
    name: 'vidforge_sse_events_coalesced_total',
    help: 'Changes not written to a stream whose client was not reading; it got the latest state when it read again',
    registers,
  });
  const checks = new Counter({
    name: 'vidforge_sse_watch_queries_total',
    help: 'Batched revision queries of the stream watcher (one per tick, and per burst of local writes)',
    registers,
  });
  return {
    open: (delta) => open.inc(delta),
    refused: (reason) => refused.inc({ reason }),
    sent: (event) => events.inc({ event }),
    coalesced: () => coalesced.inc(),
    checked: () => checks.inc(),
  };
}
