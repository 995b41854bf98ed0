/** The port conformance suites against the SQLite adapter, each test on a fresh file. */
import { join } from 'node:path';
import { openSqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import { accessStoreSuite } from '../conformance/access-store.suite.ts';
import type { StoreFixture } from '../conformance/fixtures.ts';
import { runnerStoreSuite } from '../conformance/runner-store.suite.ts';
import { taskStoreSuite } from '../conformance/task-store.suite.ts';
import { workQueueSuite } from '../conformance/work-queue.suite.ts';
import { tempDir } from '../support/temp-dir.ts';

async function openFresh() {
  const dir = await tempDir('vidforge-sqlite-');
  const adapters = openSqliteAdapters({ file: join(dir.path, 'vidforge.db') });
  return {
    adapters,
    async cleanup() {
      await adapters.close();
      await dir.remove();
    },
  };
}

async function storeFixture(): Promise<StoreFixture> {
  const { adapters, cleanup } = await openFresh();
  return { store: adapters.tasks, queue: adapters.queue, cleanup };
}

taskStoreSuite('sqlite', storeFixture);
workQueueSuite('sqlite', storeFixture);
accessStoreSuite('sqlite', async () => {
  const { adapters, cleanup } = await openFresh();
  return { access: adapters.access, cleanup };
});
runnerStoreSuite('sqlite', async () => {
  const { adapters, cleanup } = await openFresh();
  return { runners: adapters.runners, cleanup };
});
