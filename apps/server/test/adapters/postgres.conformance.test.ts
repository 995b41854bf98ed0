/**
 * The conformance suites of the generic SQL stores against PostgreSQL, each test in a fresh schema
 * of the real server (support/postgres.ts), as sqlite.conformance.test.ts runs them on SQLite.
 */
import { openPostgresWorkSignal } from '../../src/adapters/postgres/index.ts';
import { accessStoreSuite } from '../conformance/access-store.suite.ts';
import { rateCountersSuite } from '../conformance/rate-counters.suite.ts';
import { runnerStoreSuite } from '../conformance/runner-store.suite.ts';
import { ledgerLeasesSuite } from '../conformance/task-ledger.leases.suite.ts';
import { ledgerQueueSuite } from '../conformance/task-ledger.queue.suite.ts';
import { ledgerRecordsSuite } from '../conformance/task-ledger.records.suite.ts';
import { usageSuite } from '../conformance/usage.suite.ts';
import { workSignalSuite } from '../conformance/work-signal.suite.ts';
import { workerSlotsSuite } from '../conformance/worker-slots.suite.ts';
import { postgresTestBed } from '../support/postgres.ts';

async function ledgerFixture() {
  const bed = await postgresTestBed();
  const adapters = await bed.openAdapters();
  return { ledger: adapters.ledger, cleanup: bed.cleanup };
}

ledgerRecordsSuite('postgres', ledgerFixture);
ledgerLeasesSuite('postgres', ledgerFixture);
ledgerQueueSuite('postgres', ledgerFixture);
usageSuite('postgres', async () => {
  const bed = await postgresTestBed();
  const adapters = await bed.openAdapters();
  return { ledger: adapters.ledger, usage: adapters.usage, access: adapters.access, cleanup: bed.cleanup };
});

accessStoreSuite('postgres', async () => {
  const bed = await postgresTestBed();
  const adapters = await bed.openAdapters();
  return { access: adapters.access, cleanup: bed.cleanup };
});

runnerStoreSuite('postgres', async () => {
  const bed = await postgresTestBed();
  const adapters = await bed.openAdapters();
  return { runners: adapters.runners, cleanup: bed.cleanup };
});

// Two handles, each with its own pool, as two replicas.
rateCountersSuite('postgres', async () => {
  const bed = await postgresTestBed();
  const first = await bed.openAdapters();
  const second = await bed.openAdapters({ migrate: false });
  return { counters: [first.rateCounters, second.rateCounters], cleanup: bed.cleanup };
});

workerSlotsSuite('postgres', async (count) => {
  const bed = await postgresTestBed();
  // One migrates; the others open the schema as further replicas would.
  const first = await bed.openAdapters();
  const others = await Promise.all(Array.from({ length: count - 1 }, () => bed.openAdapters({ migrate: false })));
  return { handles: [first, ...others].map((a) => a.slots), cleanup: bed.cleanup };
});

// Two handles, each with its own listener: a notify crosses the database as between two processes.
workSignalSuite('postgres', async () => {
  const bed = await postgresTestBed();
  const [notifier, sleeper] = await Promise.all(
    [1, 2].map(async () => {
      const signal = await openPostgresWorkSignal(await bed.open());
      bed.defer(() => signal.close());
      return signal;
    }),
  );
  return { notifier: notifier!, sleeper: sleeper!, cleanup: bed.cleanup };
});
