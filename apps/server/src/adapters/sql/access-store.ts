/** AccessStore in SQL: endpoints, access keys (stored by hash only) and the grants between. */
import type { Kysely, Selectable } from 'kysely';
import type { AccessKeyRecord, AccessStore, AccessVersionWithTask, EndpointRecord } from '../../ports/access-store.ts';
import { createCommitMemo } from './commit-memo.ts';
import { arg, prepare } from './prepared.ts';
import { endpointFromRow, keyFromRow, limitColumns } from './rows.ts';
import type { AccessKeysTable, EndpointsTable, SqlSchema } from './schema.ts';
import type { SqlHandle } from './sql-handle.ts';

/** The memo's keys for the two version reads. */
const ACCESS = 'access';
const taskKey = (taskId: string) => `task\n${taskId}`;

export function createSqlAccessStore(handle: SqlHandle): AccessStore {
  const { db } = handle;
  // Read on every authorised request (the version) or on every miss of the auth cache (the rest).
  const versionQuery = prepare<Record<string, never>, { version: number }>(
    db.selectFrom('access_version').select('version').where('id', '=', 1),
  );
  const versionsQuery = prepare<{ taskId: string }, { version: number | null; row_version: number | null }>(
    db.selectNoFrom((eb) => [
      eb.selectFrom('access_version').select('version').where('id', '=', 1).as('version'),
      eb.selectFrom('tasks').select('row_version').where('id', '=', arg<string>('taskId')).as('row_version'),
    ]),
  );
  const keyQuery = prepare<{ hash: string }, Selectable<AccessKeysTable>>(
    db.selectFrom('access_keys').selectAll().where('hash', '=', arg<string>('hash')).where('revoked_at', 'is', null),
  );
  const grantsQuery = prepare<{ keyId: string }, { endpoint_id: string }>(
    db
      .selectFrom('key_endpoints')
      .select('endpoint_id')
      .where('key_id', '=', arg<string>('keyId'))
      .orderBy('endpoint_id'),
  );
  const endpointQuery = prepare<{ path: string }, Selectable<EndpointsTable>>(
    db.selectFrom('endpoints').selectAll().where('path', '=', arg<string>('path')),
  );
  // The versions above are read by every request: without a commit since, the last answer stands.
  const untilCommit = createCommitMemo(handle);

  return {
    accessVersion(): Promise<number> {
      return untilCommit(ACCESS, async () => {
        const row = await versionQuery.first(handle, {});
        if (!row) throw new Error('access_version has no row: the database was not migrated');
        return row.version;
      });
    },

    knownAccessVersion: () => untilCommit.peek<number>(ACCESS),

    knownAccessVersionWithTask: (taskId: string) => untilCommit.peek<AccessVersionWithTask>(taskKey(taskId)),

    accessVersionWithTask(taskId: string): Promise<AccessVersionWithTask> {
      return untilCommit(taskKey(taskId), async () => {
        const row = await versionsQuery.first(handle, { taskId });
        if (row?.version == null) throw new Error('access_version has no row: the database was not migrated');
        return Object.freeze({
          access: row.version,
          taskRowVersion: row.row_version === null ? null : Number(row.row_version),
        });
      });
    },

    async createEndpoint(endpoint: EndpointRecord): Promise<void> {
      await db
        .insertInto('endpoints')
        .values({
          id: endpoint.id,
          path: endpoint.path,
          engine: endpoint.engine,
          settings: JSON.stringify(endpoint.settings),
          name: endpoint.name,
          created_at: endpoint.createdAt,
        })
        .execute();
    },

    async listEndpoints(): Promise<EndpointRecord[]> {
      const rows = await db.selectFrom('endpoints').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(endpointFromRow);
    },

    async endpointByPath(path: string): Promise<EndpointRecord | null> {
      const row = await endpointQuery.first(handle, { path });
      return row ? endpointFromRow(row) : null;
    },

    async endpointById(id: string): Promise<EndpointRecord | null> {
      const row = await db.selectFrom('endpoints').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? endpointFromRow(row) : null;
    },

    async deleteEndpoint(id: string): Promise<boolean> {
      // Grants go with it through ON DELETE CASCADE; tasks keep their endpoint_id and become unreachable.
      const result = await db.deleteFrom('endpoints').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async countEndpoints(): Promise<number> {
      const row = await db
        .selectFrom('endpoints')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async createKey(key): Promise<void> {
      await db
        .insertInto('access_keys')
        .values({
          id: key.id,
          prefix: key.prefix,
          hash: key.hash,
          name: key.name,
          created_at: key.createdAt,
          revoked_at: null,
          last_used_at: null,
          rate_count: null,
          rate_window_s: null,
          poll_rate_count: null,
          poll_rate_window_s: null,
          concurrency: null,
          ...limitColumns(key.limits ?? {}),
        })
        .execute();
    },

    async listKeys(): Promise<AccessKeyRecord[]> {
      const rows = await db.selectFrom('access_keys').selectAll().orderBy('created_at').orderBy('id').execute();
      const grants = await grantsOf(db, null);
      return rows.map((row) => keyFromRow(row, grants.get(row.id) ?? []));
    },

    async keyByHash(hash: string): Promise<(AccessKeyRecord & { hash: string }) | null> {
      const row = await keyQuery.first(handle, { hash });
      if (!row) return null;
      const grants = await grantsQuery.rows(handle, { keyId: row.id });
      return {
        ...keyFromRow(
          row,
          grants.map((grant) => grant.endpoint_id),
        ),
        hash: row.hash,
      };
    },

    async revokeKey(id: string, now: number): Promise<boolean> {
      // True when the key exists; revoking twice keeps the first revocation time.
      const result = await db
        .updateTable('access_keys')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)) }))
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async updateKeyLimits(id, limits): Promise<boolean> {
      const columns = limitColumns(limits);
      if (Object.keys(columns).length === 0) {
        const row = await db.selectFrom('access_keys').select('id').where('id', '=', id).executeTakeFirst();
        return row !== undefined;
      }
      const result = await db.updateTable('access_keys').set(columns).where('id', '=', id).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async grant(keyId: string, endpointId: string): Promise<boolean> {
      // False when either side is missing; granting twice is a no-op that still answers true. A
      // side deleted concurrently (after the check, on PostgreSQL) fails the insert's foreign key.
      return handle.transaction(async (trx) => {
        const key = await trx.selectFrom('access_keys').select('id').where('id', '=', keyId).executeTakeFirst();
        const endpoint = await trx.selectFrom('endpoints').select('id').where('id', '=', endpointId).executeTakeFirst();
        if (!key || !endpoint) return false;
        await trx
          .insertInto('key_endpoints')
          .values({ key_id: keyId, endpoint_id: endpointId })
          .onConflict((conflict) => conflict.doNothing())
          .execute();
        return true;
      });
    },

    async countKeys(): Promise<number> {
      // Revoked keys count: a store whose keys were all revoked is not a fresh install.
      const row = await db
        .selectFrom('access_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

/** Endpoint ids granted per key (one key, or every key when `keyId` is null), sorted. */
async function grantsOf(db: Kysely<SqlSchema>, keyId: string | null): Promise<Map<string, string[]>> {
  let query = db.selectFrom('key_endpoints').select(['key_id', 'endpoint_id']);
  if (keyId !== null) query = query.where('key_id', '=', keyId);
  const rows = await query.orderBy('key_id').orderBy('endpoint_id').execute();
  const grants = new Map<string, string[]>();
  for (const row of rows) {
    const list = grants.get(row.key_id);
    if (list) list.push(row.endpoint_id);
    else grants.set(row.key_id, [row.endpoint_id]);
  }
  return grants;
}
