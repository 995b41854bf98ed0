/**
 * The schema of SQLite's migrations 001-004 (adapters/sqlite/migrations) in one step: the same
 * tables, columns, constraints and indexes, with PostgreSQL types. Times are bigint epoch
 * milliseconds and JSON is text (checked by a cast to json), as adapters/sql/schema.ts expects.
 *
 * Identifiers, states and hashes compare byte by byte (COLLATE "C"), as in SQLite: the order of
 * listings and the keyset cursors over them must not depend on the database's locale, and "C"
 * comparisons are the cheapest. Free text (names, messages, request bodies) keeps the default.
 */
import type { PostgresMigration } from './migration.ts';

/** Text compared as bytes: ids, paths, states, tokens. */
const KEY = 'text COLLATE "C"';
/** A JSON document stored as text; the cast refuses (22P02) anything that is not JSON. */
const json = (column: string) => `text CHECK (${column} IS NULL OR (${column})::json IS NOT NULL)`;

const TABLES = [
  `CREATE TABLE endpoints (
    id ${KEY} PRIMARY KEY,
    path ${KEY} NOT NULL UNIQUE,
    engine ${KEY} NOT NULL,
    settings ${json('settings')} NOT NULL,
    name text,
    created_at bigint NOT NULL
  )`,

  `CREATE TABLE access_keys (
    id ${KEY} PRIMARY KEY,
    prefix ${KEY} NOT NULL,
    hash ${KEY} NOT NULL UNIQUE,
    name text,
    created_at bigint NOT NULL,
    revoked_at bigint,
    last_used_at bigint
  )`,

  `CREATE TABLE key_endpoints (
    key_id ${KEY} NOT NULL REFERENCES access_keys (id) ON DELETE CASCADE,
    endpoint_id ${KEY} NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    PRIMARY KEY (key_id, endpoint_id)
  )`,
  'CREATE INDEX key_endpoints_endpoint ON key_endpoints (endpoint_id)',

  // No foreign keys to endpoints or keys: a task outlives both (it stays, readable by nobody).
  `CREATE TABLE tasks (
    id ${KEY} PRIMARY KEY,
    endpoint_id ${KEY} NOT NULL,
    key_id ${KEY} NOT NULL,
    type ${KEY} NOT NULL CHECK (type IN ('generate', 'upscale', 'extend')),
    engine ${KEY} NOT NULL,
    status ${KEY} NOT NULL CHECK (status IN ('PENDING', 'IN_PROGRESS', 'SUCCESS', 'FAIL')),
    progress double precision NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    request ${json('request')} NOT NULL,
    seed bigint,
    error_code ${KEY},
    error_message text,
    video ${json('video')},
    output_key ${KEY},
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts integer NOT NULL CHECK (max_attempts >= 1),
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    deadline_at bigint NOT NULL,
    run_after bigint NOT NULL,
    finished_at bigint,
    retain_until bigint,
    result_deleted_at bigint
  )`,
  'CREATE INDEX tasks_claim ON tasks (status, engine, run_after, created_at)',
  'CREATE INDEX tasks_list ON tasks (endpoint_id, created_at DESC, id DESC)',
  'CREATE INDEX tasks_list_status ON tasks (endpoint_id, status, created_at DESC, id DESC)',
  // Partial indexes: queries must repeat these predicates as literals for the planner to use them.
  `CREATE INDEX tasks_overdue ON tasks (deadline_at) WHERE status IN ('PENDING', 'IN_PROGRESS')`,
  `CREATE INDEX tasks_retention ON tasks (retain_until) WHERE status = 'SUCCESS' AND result_deleted_at IS NULL`,

  `CREATE TABLE task_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id ${KEY} NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    lease_token ${KEY} NOT NULL UNIQUE,
    worker_id ${KEY} NOT NULL,
    started_at bigint NOT NULL,
    lease_expires_at bigint NOT NULL,
    heartbeat_at bigint,
    ended_at bigint,
    outcome ${KEY} CHECK (outcome IN ('succeeded', 'retry', 'failed', 'released', 'expired', 'cancelled')),
    error_code ${KEY},
    error_message text,
    -- What the worker last said it was doing (remote runners' heartbeat stage).
    stage text,
    -- The probed output a remote runner uploaded but has not committed.
    output ${json('output')},
    CHECK ((ended_at IS NULL) = (outcome IS NULL))
  )`,
  // At most one current lease per task, enforced by the database rather than by care.
  'CREATE UNIQUE INDEX task_attempts_open ON task_attempts (task_id) WHERE ended_at IS NULL',
  'CREATE INDEX task_attempts_expiry ON task_attempts (lease_expires_at) WHERE ended_at IS NULL',
  'CREATE INDEX task_attempts_task ON task_attempts (task_id, attempt)',
  'CREATE INDEX task_attempts_worker ON task_attempts (worker_id) WHERE ended_at IS NULL',

  `CREATE TABLE idempotency (
    key_id ${KEY} NOT NULL,
    endpoint_id ${KEY} NOT NULL,
    idem_key ${KEY} NOT NULL,
    fingerprint ${KEY} NOT NULL,
    task_id ${KEY} NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    expires_at bigint NOT NULL,
    PRIMARY KEY (key_id, endpoint_id, idem_key)
  )`,
  'CREATE INDEX idempotency_expiry ON idempotency (expires_at)',

  // Remote runners (docs/runner-protocol.md). A runner's leases are task_attempts rows whose
  // worker_id is `runner:<id>`; nothing else links them, so revoking or deleting keeps the history.
  `CREATE TABLE runners (
    id ${KEY} PRIMARY KEY,
    name text,
    prefix ${KEY} NOT NULL,
    hash ${KEY} NOT NULL UNIQUE,
    engines ${json('engines')} NOT NULL,
    operations ${json('operations')} NOT NULL,
    concurrency integer NOT NULL CHECK (concurrency >= 1),
    created_at bigint NOT NULL,
    revoked_at bigint,
    last_seen_at bigint
  )`,

  // A server process's stable identity on its host (docs/architecture.md, "Every task ends").
  `CREATE TABLE worker_slots (
    host ${KEY} NOT NULL,
    slot integer NOT NULL CHECK (slot >= 0),
    pid integer NOT NULL,
    claimed_at bigint NOT NULL,
    -- Written by every readiness probe: proof that the database still takes this server's writes.
    seen_at bigint NOT NULL,
    PRIMARY KEY (host, slot)
  )`,
];

/**
 * The access version (SQLite's 003_access_version, whose comment says why): one counter that every
 * change to keys, endpoints and grants moves, in the same transaction, by row triggers that no
 * writer can forget. The function keeps the search_path it was created with, so the trigger
 * updates this schema's counter whatever the session's search_path is.
 */
const ACCESS_TABLES = ['access_keys', 'endpoints', 'key_endpoints'] as const;
const ACCESS_VERSION = [
  `CREATE TABLE access_version (
    id integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
  )`,
  'INSERT INTO access_version (id, version) VALUES (1, 1)',
  `CREATE FUNCTION bump_access_version() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
    AS $$
    BEGIN
      UPDATE access_version SET version = version + 1 WHERE id = 1;
      RETURN NULL;
    END
    $$`,
  ...ACCESS_TABLES.map(
    (table) =>
      `CREATE TRIGGER ${table}_access_version AFTER INSERT OR UPDATE OR DELETE ON ${table}
       FOR EACH ROW EXECUTE FUNCTION bump_access_version()`,
  ),
];

export const initial: PostgresMigration = {
  version: 1,
  name: 'initial',
  statements: [...TABLES, ...ACCESS_VERSION],
};
