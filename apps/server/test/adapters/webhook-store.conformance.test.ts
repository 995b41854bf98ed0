/** The webhook outbox conformance suite on SQLite (two connections to one file) and PostgreSQL (two pools). */
import { join } from 'node:path';
import { openSqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import { webhookStoreSuite } from '../conformance/webhook-store.suite.ts';
import { postgresTestBed } from '../support/postgres.ts';
import { tempDir } from '../support/temp-dir.ts';

webhookStoreSuite('sqlite', async () => {
  const dir = await tempDir('vidforge-sqlite-');
  const adapters = openSqliteAdapters({ file: join(dir.path, 'vidforge.db') });
  const other = openSqliteAdapters({ file: adapters.handle.file });
  return {
    ledger: adapters.ledger,
    access: adapters.access,
    stores: [adapters.webhooks, other.webhooks],
    async cleanup() {
      await other.close();
      await adapters.close();
      await dir.remove();
    },
  };
});

webhookStoreSuite('postgres', async () => {
  const bed = await postgresTestBed();
  const first = await bed.openAdapters();
  const second = await bed.openAdapters({ migrate: false });
  return {
    ledger: first.ledger,
    access: first.access,
    stores: [first.webhooks, second.webhooks],
    cleanup: bed.cleanup,
  };
});
