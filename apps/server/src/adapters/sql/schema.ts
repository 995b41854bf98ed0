/**
 * Row types of the schema as Kysely sees them, the same on SQLite and PostgreSQL (see each adapter's migrations/). Times are integer epoch
 * milliseconds, JSON is TEXT, booleans would be INTEGER 0/1.
 */
import type { Generated } from 'kysely';
import type { AttemptOutcome } from '../../ports/task-ledger.ts';

export type { AttemptOutcome };

export interface EndpointsTable {
  id: string;
  path: string;
  engine: string;
  /** JSON object. */
  settings: string;
  name: string | null;
  created_at: number;
}

export interface AccessKeysTable {
  id: string;
  prefix: string;
  /** SHA-256 of the secret, hex or base64url as the caller gives it. */
  hash: string;
  name: string | null;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
  /**
   * Per-key limits (docs/limits.md); NULL: the server's configured default. A rate is a count per
   * window of seconds, both set or both NULL; a count of 0 is "unlimited" whatever the default.
   */
  rate_count: number | null;
  rate_window_s: number | null;
  poll_rate_count: number | null;
  poll_rate_window_s: number | null;
  /** Unfinished (PENDING or IN_PROGRESS) tasks at once; 0: unlimited. */
  concurrency: number | null;
}

export interface KeyEndpointsTable {
  key_id: string;
  endpoint_id: string;
}

export interface TasksTable {
  id: string;
  endpoint_id: string;
  key_id: string;
  type: string;
  engine: string;
  status: string;
  progress: number;
  /** JSON of the validated request body. */
  request: string;
  seed: number | null;
  /** Set only when the task FAILs; an attempt's error lives on its attempt row. */
  error_code: string | null;
  error_message: string | null;
  /** JSON VideoInfo on SUCCESS. */
  video: string | null;
  output_key: string | null;
  attempts: number;
  max_attempts: number;
  created_at: number;
  updated_at: number;
  deadline_at: number;
  run_after: number;
  finished_at: number | null;
  retain_until: number | null;
  result_deleted_at: number | null;
  /** JSON an engine checkpointed for the next attempt (TaskLedger.checkpoint); null when none. */
  engine_state: string | null;
  /** Where this task's terminal event is POSTed (docs/webhooks.md); NULL: nowhere. */
  callback_url: string | null;
  /** Moves (by a trigger) whenever status or progress does: the task's event id (007_usage). */
  revision: number;
  /** Moves (by a trigger) with every update of the row: what the poll's task cache checks (009). */
  row_version: number;
}

/** One row per lease; the current lease of a task is its row with `ended_at` NULL. */
export interface TaskAttemptsTable {
  id: Generated<number>;
  task_id: string;
  attempt: number;
  lease_token: string;
  worker_id: string;
  started_at: number;
  lease_expires_at: number;
  heartbeat_at: number | null;
  ended_at: number | null;
  outcome: AttemptOutcome | null;
  error_code: string | null;
  error_message: string | null;
  /** What the worker last said it was doing (remote runners' heartbeat `stage`). */
  stage: string | null;
  /** JSON VideoInfo of an uploaded, probed output not yet committed (remote runners). */
  output: string | null;
}

export interface RunnersTable {
  id: string;
  name: string | null;
  /** Readable start of the token, for listings. */
  prefix: string;
  /** SHA-256 of the token. */
  hash: string;
  /** JSON arrays: engine families and operations the operator allows. */
  engines: string;
  operations: string;
  concurrency: number;
  created_at: number;
  revoked_at: number | null;
  last_seen_at: number | null;
}

export interface IdempotencyTable {
  key_id: string;
  endpoint_id: string;
  idem_key: string;
  fingerprint: string;
  task_id: string;
  expires_at: number;
}

export interface AccessVersionTable {
  id: number;
  version: number;
}

export interface WorkerSlotsTable {
  host: string;
  slot: number;
  pid: number;
  claimed_at: number;
  seen_at: number;
}

/** One fixed-window request counter per key and budget (`submit`, `poll`), shared by every replica. */
export interface RateCountersTable {
  key_id: string;
  bucket: string;
  /** Epoch ms at which the counted window began. */
  window_start: number;
  /** Requests admitted in that window, plus one once a request was refused (never more). */
  count: number;
}

/** An endpoint's webhook subscription (docs/webhooks.md); `events` is a JSON array of event types. */
export interface WebhookSubscriptionsTable {
  id: string;
  endpoint_id: string;
  url: string;
  events: string;
  /** `whsec_…`, kept as is: signing needs it. */
  secret: string;
  created_at: number;
}

/** The signing secret of an endpoint's per-task callbacks, made on first need. */
export interface WebhookSecretsTable {
  endpoint_id: string;
  secret: string;
  created_at: number;
}

/** One event to one URL: the outbox row, and the record of its delivery. */
export interface WebhookDeliveriesTable {
  id: string;
  /** The `webhook-id` header: one per event, the same on every attempt and every destination. */
  event_id: string;
  event_type: string;
  event_at: number;
  task_id: string;
  endpoint_id: string;
  /** NULL: the task's own callback URL. */
  subscription_id: string | null;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** Attempts since the delivery was (re)queued; the backoff and the give-up time count from there. */
  round_attempts: number;
  round_started_at: number;
  /** When the next attempt is due; while one runs, when its lease ends. */
  next_attempt_at: number;
  lease_token: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

/** Usage per UTC day, key, endpoint, operation and outcome (adapters/sql/usage.ts). */
export interface UsageDailyTable {
  /** YYYY-MM-DD (UTC) of the terminal transition. */
  day: string;
  key_id: string;
  endpoint_id: string;
  type: string;
  outcome: string;
  tasks: number;
  video_seconds: number;
  engine_ms: number;
}

/** The same figures summed since the beginning, per endpoint, operation and outcome (for /metrics). */
export interface UsageTotalsTable {
  endpoint_id: string;
  type: string;
  outcome: string;
  tasks: number;
  video_seconds: number;
  engine_ms: number;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

export interface SqlSchema {
  endpoints: EndpointsTable;
  access_keys: AccessKeysTable;
  key_endpoints: KeyEndpointsTable;
  tasks: TasksTable;
  task_attempts: TaskAttemptsTable;
  idempotency: IdempotencyTable;
  runners: RunnersTable;
  access_version: AccessVersionTable;
  worker_slots: WorkerSlotsTable;
  rate_counters: RateCountersTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_secrets: WebhookSecretsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  usage_daily: UsageDailyTable;
  usage_totals: UsageTotalsTable;
  schema_migrations: SchemaMigrationsTable;
}
