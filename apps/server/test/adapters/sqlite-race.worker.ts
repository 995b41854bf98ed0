/**
 * A separate thread with its own connection, for races that must go through SQLite's own locking
 * (busy_timeout) rather than the in-process turn-taking. Waits for "go", runs its part, reports.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteAdapters } from '../../src/adapters/sqlite/index.ts';

interface Job {
  file: string;
  mode: 'claim' | 'create';
  name: string;
  creates?: number;
}

const job = workerData as Job;
const port = parentPort!;
const adapters = openSqliteAdapters({ file: job.file });

port.once('message', async () => {
  try {
    if (job.mode === 'claim') {
      const claimed: string[] = [];
      for (;;) {
        const lease = await adapters.ledger.claim({
          workerId: job.name,
          engines: ['preview'],
          leaseMs: 60_000,
          now: Date.now(),
        });
        if (!lease) break;
        claimed.push(lease.taskId);
      }
      port.postMessage({ claimed });
    } else {
      const kinds: string[] = [];
      const taskIds: string[] = [];
      for (let i = 0; i < (job.creates ?? 1); i++) {
        const now = Date.now();
        const result = await adapters.ledger.create(
          {
            id: `${job.name}-${i}-${Math.random().toString(36).slice(2)}`,
            endpointId: 'ep',
            keyId: 'key',
            type: 'generate',
            engine: 'preview',
            request: { prompt: 'race', settings: { seed: 1, duration: 2, aspectRatio: '16:9' } },
            seed: 1,
            maxAttempts: 3,
            createdAt: now,
            deadlineAt: now + 60_000,
          },
          { keyId: 'key', endpointId: 'ep', key: 'same-key', fingerprint: 'f', expiresAt: now + 60_000 },
        );
        kinds.push(result.kind);
        if ('task' in result) taskIds.push(result.task.id);
      }
      port.postMessage({ kinds, taskIds });
    }
  } catch (error) {
    port.postMessage({ error: String(error) });
  } finally {
    await adapters.close();
  }
});
port.postMessage('ready');
