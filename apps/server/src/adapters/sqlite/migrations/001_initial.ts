import type { Migration } from './migration.ts';

const STATEMENTS = [
  `CREATE TABLE endpoints (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    engine TEXT NOT NULL,
    settings TEXT NOT NULL CHECK (json_valid(settings)),
    name TEXT,
    created_at INTEGER NOT NULL
  ) STRICT`,

  `CREATE TABLE access_keys (
    id TEXT PRIMARY KEY,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    name TEXT,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    last_used_at INTEGER
  ) STRICT`,

  `CREATE TABLE key_endpoints (
    key_id TEXT NOT NULL REFERENCES access_keys (id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    PRIMARY KEY (key_id, endpoint_id)
  ) STRICT, WITHOUT ROWID`,
  'CREATE INDEX key_endpoints_endpoint ON key_endpoints (endpoint_id)',

  // No foreign keys to endpoints or keys: a task outlives both (it stays, readable by nobody).
  `CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL,
    key_id TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('generate', 'upscale', 'extend')),
    engine TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'IN_PROGRESS', 'SUCCESS', 'FAIL')),
    progress REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    request TEXT NOT NULL CHECK (json_valid(request)),
    seed INTEGER,
    error_code TEXT,
    error_message TEXT,
    video TEXT CHECK (video IS NULL OR json_valid(video)),
    output_key TEXT,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deadline_at INTEGER NOT NULL,
    run_after INTEGER NOT NULL,
    finished_at INTEGER,
    retain_until INTEGER,
    result_deleted_at INTEGER
  ) STRICT`,
  'CREATE INDEX tasks_claim ON tasks (status, engine, run_after, created_at)',
  'CREATE INDEX tasks_list ON tasks (endpoint_id, created_at DESC, id DESC)',
  'CREATE INDEX tasks_list_status ON tasks (endpoint_id, status, created_at DESC, id DESC)',
  // Partial indexes: queries must repeat these predicates as literals for the planner to use them.
  `CREATE INDEX tasks_overdue ON tasks (deadline_at) WHERE status IN ('PENDING', 'IN_PROGRESS')`,
  `CREATE INDEX tasks_retention ON tasks (retain_until) WHERE status = 'SUCCESS' AND result_deleted_at IS NULL`,

  `CREATE TABLE task_attempts (
    id INTEGER PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    lease_token TEXT NOT NULL UNIQUE,
    worker_id TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    lease_expires_at INTEGER NOT NULL,
    heartbeat_at INTEGER,
    ended_at INTEGER,
    outcome TEXT CHECK (outcome IN ('succeeded', 'retry', 'failed', 'released', 'expired', 'cancelled')),
    error_code TEXT,
    error_message TEXT,
    CHECK ((ended_at IS NULL) = (outcome IS NULL))
  ) STRICT`,
  // At most one current lease per task, enforced by the database rather than by care.
  'CREATE UNIQUE INDEX task_attempts_open ON task_attempts (task_id) WHERE ended_at IS NULL',
  'CREATE INDEX task_attempts_expiry ON task_attempts (lease_expires_at) WHERE ended_at IS NULL',
  'CREATE INDEX task_attempts_task ON task_attempts (task_id, attempt)',

  `CREATE TABLE idempotency (
    key_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (key_id, endpoint_id, idem_key)
  ) STRICT, WITHOUT ROWID`,
  'CREATE INDEX idempotency_expiry ON idempotency (expires_at)',
];

export const initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    for (const statement of STATEMENTS) db.exec(statement);
  },
};
