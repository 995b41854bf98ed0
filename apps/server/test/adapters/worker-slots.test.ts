/** Stable process identities on real SQLite files: the WorkerSlots conformance suite. */
import { join } from 'node:path';
import { openSqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import { workerSlotsSuite } from '../conformance/worker-slots.suite.ts';
import { tempDir } from '../support/index.ts';

workerSlotsSuite('sqlite', async (count) => {
  const dir = await tempDir();
  const adapters = Array.from({ length: count }, () => openSqliteAdapters({ file: join(dir.path, 'db.sqlite') }));
  return {
    handles: adapters.map((a) => a.slots),
    async cleanup() {
      for (const a of adapters) await a.close();
      await dir.remove();
    },
  };
});
