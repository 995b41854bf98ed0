/**
 * A process that commits a submit and a claim, says so, and then idles until it is killed (-9).
 * Usage: node sqlite-kill.child.ts <file> <NORMAL|FULL>
 */
import { openSqliteAdapters } from '../../src/adapters/sqlite/index.ts';

const [file, synchronous] = process.argv.slice(2) as [string, 'NORMAL' | 'FULL'];
const adapters = openSqliteAdapters({ file, synchronous });
const now = Date.now();
const task = {
  id: `killed-${process.pid}`,
  endpointId: 'ep',
  keyId: 'key',
  type: 'generate' as const,
  engine: 'preview',
  request: { prompt: 'survive', settings: { seed: 1, duration: 2 as const, aspectRatio: '16:9' as const } },
  seed: 1,
  maxAttempts: 3,
  createdAt: now,
  deadlineAt: now + 60_000,
};
await adapters.ledger.create(task);
await adapters.ledger.create({ ...task, id: `${task.id}-queued` });
const lease = await adapters.ledger.claim({ workerId: 'doomed', engines: ['preview'], leaseMs: 1000, now });
process.stdout.write(`${JSON.stringify({ taskId: task.id, lease })}\n`);
setInterval(() => {}, 60_000);
