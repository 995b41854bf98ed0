/** SQLite's 006_webhooks (whose comments say why) with PostgreSQL types. */
import type { PostgresMigration } from './migration.ts';

const KEY = 'text COLLATE "C"';

export const webhooks: PostgresMigration = {
  version: 3,
  name: 'webhooks',
  statements: [
    'ALTER TABLE tasks ADD COLUMN callback_url text',
    `CREATE TABLE webhook_subscriptions (
      id ${KEY} PRIMARY KEY,
      endpoint_id ${KEY} NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
      url text NOT NULL,
      events text NOT NULL CHECK ((events)::json IS NOT NULL),
      secret text NOT NULL,
      created_at bigint NOT NULL
    )`,
    'CREATE INDEX webhook_subscriptions_endpoint ON webhook_subscriptions (endpoint_id)',
    `CREATE TABLE webhook_secrets (
      endpoint_id ${KEY} PRIMARY KEY REFERENCES endpoints (id) ON DELETE CASCADE,
      secret text NOT NULL,
      created_at bigint NOT NULL
    )`,
    `CREATE TABLE webhook_deliveries (
      id ${KEY} PRIMARY KEY,
      event_id ${KEY} NOT NULL,
      event_type ${KEY} NOT NULL,
      event_at bigint NOT NULL,
      task_id ${KEY} NOT NULL,
      endpoint_id ${KEY} NOT NULL,
      subscription_id ${KEY},
      url text NOT NULL,
      status ${KEY} NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      round_attempts integer NOT NULL DEFAULT 0 CHECK (round_attempts >= 0),
      round_started_at bigint NOT NULL,
      next_attempt_at bigint NOT NULL,
      lease_token ${KEY},
      last_status_code integer,
      last_error text,
      created_at bigint NOT NULL,
      updated_at bigint NOT NULL,
      delivered_at bigint
    )`,
    `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
    'CREATE INDEX webhook_deliveries_task ON webhook_deliveries (task_id, created_at)',
    'CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at)',
    'CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at)',
    `CREATE TABLE webhook_attempts (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      delivery_id ${KEY} NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
      attempt integer NOT NULL,
      started_at bigint NOT NULL,
      duration_ms integer NOT NULL,
      status_code integer,
      error text
    )`,
    'CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt)',
  ],
};
