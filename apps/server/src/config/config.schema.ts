/**
 * Every server setting in one schema: its type, default and environment variable. Values come from
 * defaults < config file < environment, and every problem is reported at once (see load-config.ts).
 */
import { z } from 'zod';
import { databaseUrlProblem } from '../adapters/postgres/connection-url.ts';
import { DEFAULT_DATA_DIR } from '../boot/data-dir.ts';
import { parseCorsOrigins } from '../http/cors.ts';
import { MAX_CONCURRENCY, parseRate } from '../modules/limits/rate-spec.ts';
import { MediaConfigSchema } from '../modules/media/media.config.ts';
import { parseSigningSecrets } from '../modules/results/signing-secrets.ts';

import type { RateLimit } from '../ports/access-store.ts';

function isOrigin(text: string): boolean {
  try {
    return new URL(text).origin === text;
  } catch {
    return false;
  }
}

/** In-process workers of one server at most. */
export const MAX_WORKERS = 64;

/** What one process does (docs/fleet.md): serve the API, run tasks, and the periodic upkeep. */
export const SERVER_ROLES = ['api', 'worker', 'reaper'] as const;
export type ServerRole = (typeof SERVER_ROLES)[number];

/** A rate as text (modules/limits/rate-spec.ts); unset or 0: unlimited (docs/limits.md). */
const rateSetting = () =>
  z
    .string()
    .default('0')
    .transform((text, ctx): RateLimit => {
      const rate = parseRate(text);
      if (typeof rate === 'string') {
        ctx.addIssue({ code: 'custom', message: rate });
        return z.NEVER;
      }
      return rate;
    });

const ms = (def: number) => z.number().int().positive().default(def);
const MIB = 1024 * 1024;

export const ServerConfigSchema = z.strictObject({
  dataDir: z.string().min(1).default(DEFAULT_DATA_DIR).describe('Holds the database, media and secrets'),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  publicUrl: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('Origin used in media URLs; defaults to http://HOST:PORT'),
  bootstrapEndpoint: z
    .string()
    .regex(/^[A-Za-z0-9_-]{4,64}$/, 'must be 4..64 characters of A-Z a-z 0-9 _ -')
    .optional()
    .describe('endpointPath to create on first run instead of a random one'),
  bootstrapKey: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,200}$/, 'must be 16..200 characters of A-Z a-z 0-9 _ -')
    .optional()
    .describe('Access key to create on first run instead of a random one'),
  role: z
    .string()
    .default(SERVER_ROLES.join(','))
    .transform((text, ctx): ServerRole[] => {
      const roles = text.split(',').map((role) => role.trim());
      const unknown = roles.filter((role) => !(SERVER_ROLES as readonly string[]).includes(role));
      if (unknown.length > 0 || roles.length === 0) {
        ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of ${SERVER_ROLES.join(', ')}` });
        return z.NEVER;
      }
      return [...new Set(roles as ServerRole[])];
    })
    .describe('What this process does: api, worker, reaper (comma-separated)'),
  workers: z.number().int().min(0).max(MAX_WORKERS).default(2).describe('In-process workers; 0 runs none'),
  taskTimeoutMs: ms(15 * 60_000).describe('A task not finished by then FAILs with TIMEOUT'),
  maxAttempts: z.number().int().min(1).max(20).default(3),
  leaseMs: ms(30_000).describe('Lease length; heartbeats every third of it'),
  progressIntervalMs: ms(500).describe('How often running tasks write their progress'),
  retryBaseMs: ms(2_000),
  retryMaxMs: ms(60_000),
  reaperIntervalMs: ms(1_000),
  orphanSweepIntervalMs: ms(10 * 60_000).describe(
    'How often the reaper lists stored results to delete those no task keeps (lost attempts, stale writers)',
  ),
  pollIntervalMs: ms(5_000).describe('Idle workers also look for work this often (other processes may submit)'),
  webhookTimeoutMs: ms(10_000).describe('One webhook attempt, connect to answer, at most this long'),
  webhookRetryBaseMs: ms(10_000).describe(
    'Wait after the first failed webhook attempt; doubles per attempt, with jitter',
  ),
  webhookRetryMaxMs: ms(2 * 60 * 60_000).describe('Longest wait between two webhook attempts'),
  webhookRetryForMs: ms(24 * 60 * 60_000).describe(
    'A webhook is retried this long after its event (or a redeliver) before it is given up',
  ),
  webhookConcurrency: z
    .number()
    .int()
    .min(1)
    .max(256)
    .default(8)
    .describe('Webhook attempts in flight at once per worker-role process'),
  webhookPollIntervalMs: ms(2_000).describe('The webhook worker also looks for due deliveries this often'),
  webhookRetentionMs: ms(30 * 24 * 60 * 60_000).describe(
    'Settled webhook deliveries (delivered or given up) and their attempts are deleted this long after their last change',
  ),
  mediaUrlTtlMs: ms(60 * 60_000),
  retentionMs: ms(7 * 24 * 60 * 60_000),
  idempotencyTtlMs: ms(24 * 60 * 60_000),
  bodyLimitBytes: z
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024),
  shutdownGraceMs: ms(10_000),
  headersTimeoutMs: ms(10_000).describe('A client must send its request headers within this'),
  bodyTimeoutMs: ms(10_000).describe('A client must send a JSON body within this after its headers'),
  requestTimeoutMs: ms(10 * 60_000).describe('Longest request of any kind, uploads included'),
  idleTimeoutMs: ms(60_000).describe('A connection silent this long is closed (above the 30 s runner long-poll)'),
  keepAliveTimeoutMs: ms(5_000).describe('An idle keep-alive connection is closed after this'),
  maxConnections: z
    .number()
    .int()
    .min(16)
    .max(1_000_000)
    .default(1024)
    .describe('Open connections at most; lowered at boot to fit the descriptor limit'),
  maxPendingPerEngine: z
    .number()
    .int()
    .min(0)
    .max(100_000)
    .default(100)
    .describe('Submits beyond this many PENDING tasks of one engine get 503 QUEUE_FULL; 0: no cap'),
  sseHeartbeatMs: ms(15_000).describe(
    "Live-progress streams get a comment line this often (keep it under idleTimeoutMs and proxies' idle limits)",
  ),
  sseTickMs: ms(250).describe(
    "How often the open streams' tasks are checked for changes written by other processes (one query for all)",
  ),
  sseMaxStreams: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    // Half the default maxConnections: streams must not take every connection polls need.
    .default(512)
    .describe('Live-progress streams this process serves at once; more get 503 STREAMS_FULL; 0: the route is off'),
  sseMaxStreamsPerKey: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(100)
    .describe('Live-progress streams one access key may hold open on this process; more get 429 TOO_MANY_STREAMS'),
  keyRate: rateSetting().describe(
    'Default submit budget of an access key (POST, DELETE), e.g. 60/min; 0: unlimited. `vidforge keys` overrides it per key',
  ),
  keyPollRate: rateSetting().describe(
    'Default read budget of an access key (polls, listings), e.g. 600/min; 0: unlimited. Overridable per key',
  ),
  keyConcurrency: z
    .number()
    .int()
    .min(0)
    .max(MAX_CONCURRENCY)
    .default(0)
    .describe('Default unfinished tasks an access key may have at once; 0: unlimited. Overridable per key'),
  databaseUrl: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === '') return undefined;
      // The message never repeats the URL: it may hold a password.
      const problem = databaseUrlProblem(text);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      return text;
    })
    .describe('postgres://USER:PASSWORD@HOST:PORT/DATABASE shared by a fleet; unset: embedded SQLite in dataDir'),
  databasePoolSize: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .describe('PostgreSQL connections per process at most (replicas × this ≤ max_connections)'),
  sqliteSynchronous: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  sqliteBusyTimeoutMs: ms(5_000).describe("Longest wait for another process's database lock before 503"),
  signingSecret: z.string().min(32).optional().describe('HMAC secret for media URLs; generated into dataDir if unset'),
  signingSecrets: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return undefined;
      const parsed = parseSigningSecrets(text);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    })
    .describe('kid:secret,kid:secret… shared by every replica; the first signs, all verify (rotation)'),
  metricsToken: z
    .string()
    .regex(/^[\x21-\x7e]{16,512}$/, 'must be 16..512 visible ASCII characters (no spaces)')
    .optional()
    .describe('Bearer token that GET /metrics requires; unset: /metrics is open to whoever reaches the port'),
  metricsPort: z
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe('Serves GET /metrics on this port of `host` instead of the API port, in any role (0: any free port)'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  corsOrigins: z
    .string()
    .default('')
    .transform((text, ctx): string[] => {
      const origins = parseCorsOrigins(text);
      const bad = origins.filter((origin) => origin !== '*' && !isOrigin(origin));
      if (bad.length > 0) {
        ctx.addIssue({ code: 'custom', message: `not an origin (scheme://host[:port]): ${bad.join(', ')}` });
        return z.NEVER;
      }
      return origins;
    })
    .describe('Origins whose pages may call the API from a browser: comma-separated, or *; none by default'),
  console: z.boolean().default(true).describe('Serves the web console at /'),
  enableTestEngine: z.boolean().default(false).describe('Registers the deterministic `test` engine (tests only)'),
  s3Bucket: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/, 'must be a bucket name: 3..255 of A-Z a-z 0-9 . _ -')
    .optional()
    .describe('Stores results in this S3 bucket instead of dataDir/media; it must exist'),
  s3Endpoint: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('S3-compatible endpoint (MinIO, Ceph, R2, Garage, SeaweedFS); default AWS S3'),
  s3Region: z.string().min(1).optional().describe("Default: the AWS SDK's (AWS_REGION, profile)"),
  s3ForcePathStyle: z
    .boolean()
    .default(false)
    .describe('Path-style URLs (http://host/bucket/key), which most S3-compatible servers need'),
  s3AccessKeyId: z.string().min(1).optional().describe("Default: the AWS SDK's chain (AWS_ACCESS_KEY_ID, …)"),
  s3SecretAccessKey: z.string().min(1).optional(),
  s3PartSizeBytes: z
    .number()
    .int()
    .min(5 * MIB)
    .max(5 * 1024 * MIB)
    .default(16 * MIB)
    .describe('Results larger than this are uploaded in parts of this size'),
  /** Source fetching, media limits and ffmpeg; its own VIDFORGE_* names are in MEDIA_ENV. */
  media: MediaConfigSchema.prefault({}),
});

export type ServerConfig = z.infer<typeof ServerConfigSchema>;
