import type { Migration } from './migration.ts';

/**
 * Webhooks (docs/webhooks.md): subscriptions per endpoint, each endpoint's signing secret for the
 * per-task callbacks, and the durable outbox. A delivery row is written in the same transaction as
 * the task transition that causes its event (adapters/sql/webhook-outbox.ts), so an event exists
 * exactly when its state change does; the delivery worker claims due rows with a lease written
 * into `next_attempt_at` and records every attempt.
 */
const STATEMENTS = [
  // The task's own callback (Part C `callbackUrl`, OpenAI `callback_url`); NULL: none.
  'ALTER TABLE tasks ADD COLUMN callback_url TEXT',
  `CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    events TEXT NOT NULL CHECK (json_valid(events)),
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT`,
  'CREATE INDEX webhook_subscriptions_endpoint ON webhook_subscriptions (endpoint_id)',
  `CREATE TABLE webhook_secrets (
    endpoint_id TEXT PRIMARY KEY REFERENCES endpoints (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT`,
  // No foreign keys to tasks or subscriptions: the record of what was sent outlives both.
  `CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    event_at INTEGER NOT NULL,
    task_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    subscription_id TEXT,
    url TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    round_attempts INTEGER NOT NULL DEFAULT 0 CHECK (round_attempts >= 0),
    round_started_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_token TEXT,
    last_status_code INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    delivered_at INTEGER
  ) STRICT`,
  // The claim walks this index only; queries must repeat the predicate as a literal.
  `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
  'CREATE INDEX webhook_deliveries_task ON webhook_deliveries (task_id, created_at)',
  'CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at)',
  'CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at)',
  `CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT
  ) STRICT`,
  'CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt)',
];

export const webhooks: Migration = {
  version: 6,
  name: 'webhooks',
  up(db) {
    for (const statement of STATEMENTS) db.exec(statement);
  },
};
