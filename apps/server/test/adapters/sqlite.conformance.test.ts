/** The port conformance suites against the SQLite adapter (each test on a fresh file) and the in-process signal. */
import { join } from 'node:path';
import { createLocalWorkSignal } from '../../src/adapters/signal-local/index.ts';
import { openSqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import { accessStoreSuite } from '../conformance/access-store.suite.ts';
import type { LedgerFixture } from '../conformance/fixtures.ts';
import { rateCountersSuite } from '../conformance/rate-counters.suite.ts';
import { runnerStoreSuite } from '../conformance/runner-store.suite.ts';
import { ledgerLeasesSuite } from '../conformance/task-ledger.leases.suite.ts';
import { ledgerQueueSuite } from '../conformance/task-ledger.queue.suite.ts';
import { ledgerRecordsSuite } from '../conformance/task-ledger.records.suite.ts';
import { usageSuite } from '../conformance/usage.suite.ts';
import { workSignalSuite } from '../conformance/work-signal.suite.ts';
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

async function ledgerFixture(): Promise<LedgerFixture> {
  const { adapters, cleanup } = await openFresh();
  return { ledger: adapters.ledger, cleanup };
}

ledgerRecordsSuite('sqlite', ledgerFixture);
ledgerLeasesSuite('sqlite', ledgerFixture);
ledgerQueueSuite('sqlite', ledgerFixture);
usageSuite('sqlite', async () => {
  const { adapters, cleanup } = await openFresh();
  return { ledger: adapters.ledger, usage: adapters.usage, access: adapters.access, cleanup };
});
accessStoreSuite('sqlite', async () => {
  const { adapters, cleanup } = await openFresh();
  return { access: adapters.access, cleanup };
});
runnerStoreSuite('sqlite', async () => {
  const { adapters, cleanup } = await openFresh();
  return { runners: adapters.runners, cleanup };
});
rateCountersSuite('sqlite', async () => {
  const { adapters, cleanup } = await openFresh();
  // A second connection to the same file, as a second process would have.
  const other = openSqliteAdapters({ file: adapters.handle.file });
  return {
    counters: [adapters.rateCounters, other.rateCounters],
    async cleanup() {
      await other.close();
      await cleanup();
    },
  };
});
workSignalSuite('in-process', async () => {
  const signal = createLocalWorkSignal();
  return { notifier: signal, sleeper: signal, cleanup: () => signal.close() };
});
