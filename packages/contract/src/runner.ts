/**
 * The remote-runner protocol, version 1 (docs/runner-protocol.md): how a model runner on another
 * machine pulls tasks, reports progress and hands back a result. Runners authenticate with a runner
 * token (never an access key) and every call about a task carries the lease token of its claim.
 */
import { z } from 'zod';
import type { TaskErrorCode } from './errors.ts';
import { component } from './registry.ts';
import { ExtendRequest, GenerateRequest, TASK_TYPES, UpscaleRequest } from './requests.ts';
import { TASK_STATUSES, VideoInfo } from './task.ts';

export const RUNNER_PROTOCOL_VERSION = 1;
/** Every protocol route lives under this prefix; a breaking change gets a new version segment. */
export const RUNNER_BASE_PATH = `/v1/runner`;
/** Header that carries the lease token on every call about a claimed task. */
export const LEASE_TOKEN_HEADER = 'vidforge-lease-token';
export const CLAIM_WAIT_MAX_MS = 30_000;
export const CLAIM_WAIT_DEFAULT_MS = 20_000;

/** A model family such as `preview`, `wan2.2` or `ltx-video`; endpoints of engine `runner` name one. */
export const ENGINE_FAMILY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const EngineFamily = z
  .string()
  .regex(ENGINE_FAMILY_PATTERN, 'must be 1-64 of a-z, 0-9, ".", "_", "-", starting with a letter or digit');

export const RunnerClaimRequest = component(
  'RunnerClaimRequest',
  z.strictObject({
    engines: z
      .array(EngineFamily)
      .min(1)
      .max(32)
      .optional()
      .describe("Engine families this runner serves now; default: all its token allows (a subset of the token's)"),
    operations: z
      .array(z.enum(TASK_TYPES))
      .min(1)
      .optional()
      .describe("Operations this runner serves now; default: all its token allows (a subset of the token's)"),
    waitMs: z
      .number()
      .int()
      .min(0)
      .max(CLAIM_WAIT_MAX_MS)
      .default(CLAIM_WAIT_DEFAULT_MS)
      .describe('Long-poll: how long to wait for a task before answering {"task": null}'),
  }),
);
export type RunnerClaimRequest = z.infer<typeof RunnerClaimRequest>;
export type RunnerClaimRequestInput = z.input<typeof RunnerClaimRequest>;

export const RunnerSource = component(
  'RunnerSource',
  z.object({
    kind: z.enum(['image', 'video']),
    url: z
      .string()
      .describe('Signed URL of the source, already fetched and checked by the server; valid until the task deadline'),
    contentType: z.string().describe('Detected from the bytes, e.g. image/png, video/mp4'),
    size: z.number().int().describe('Bytes'),
  }),
);
export type RunnerSource = z.infer<typeof RunnerSource>;

/**
 * Where the runner may upload its result straight to the object store instead of through the API
 * (docs/runner-protocol.md, "Upload to the object store"). Offered only when results live in S3.
 */
export const RunnerOutputUpload = component(
  'RunnerOutputUpload',
  z.object({
    method: z.literal('PUT'),
    url: z.string().describe("Presigned URL of this attempt's own output object; no token is sent with it"),
    headers: z
      .record(z.string(), z.string())
      .describe('Send these headers exactly as given (they are signed), plus Content-Length'),
    expiresAt: z.number().int().describe('Epoch ms; the URL is refused afterwards (never after the task deadline)'),
  }),
);
export type RunnerOutputUpload = z.infer<typeof RunnerOutputUpload>;

const RunnerTaskOutput = z.object({
  contentType: z.literal('video/mp4'),
  maxBytes: z.number().int().describe('Uploads larger than this are refused'),
  upload: RunnerOutputUpload.nullish().describe(
    'A presigned PUT for the result, then POST …/uploaded; null or absent: upload through PUT …/output',
  ),
});

const REQUEST_DESCRIPTION = 'The validated request: defaults filled in, settings.seed already resolved';

/** What every claimed task carries, whatever its type. */
const runnerTaskFields = {
  taskId: z.string(),
  engine: z.string().describe('The engine family the task was submitted for'),
  attempt: z.number().int().describe('1 for the first attempt'),
  leaseToken: z.string().describe(`Send in the ${LEASE_TOKEN_HEADER} header of every call about this task`),
  leaseExpiresAt: z.number().int().describe('Epoch ms; heartbeat well before it'),
  heartbeatIntervalMs: z.number().int().describe('How often to heartbeat (a third of the lease)'),
  deadlineAt: z.number().int().describe('Epoch ms; the task FAILs with TIMEOUT if not finished by then'),
  seed: z.number().int().nullable().describe('The seed to use (null for upscale)'),
  endpointSettings: z.record(z.string(), z.unknown()).describe("Settings of the task's endpoint"),
  source: RunnerSource.nullable(),
  output: RunnerTaskOutput,
};

export const RunnerGenerateTask = component(
  'RunnerGenerateTask',
  z.object({
    type: z.literal('generate'),
    ...runnerTaskFields,
    request: GenerateRequest.describe(REQUEST_DESCRIPTION),
  }),
);
export const RunnerUpscaleTask = component(
  'RunnerUpscaleTask',
  z.object({
    type: z.literal('upscale'),
    ...runnerTaskFields,
    request: UpscaleRequest.describe(REQUEST_DESCRIPTION),
  }),
);
export const RunnerExtendTask = component(
  'RunnerExtendTask',
  z.object({
    type: z.literal('extend'),
    ...runnerTaskFields,
    request: ExtendRequest.describe(REQUEST_DESCRIPTION),
  }),
);

const componentRef = (id: string) => `#/components/schemas/${id}`;

/** A claimed task: its `type` says which request shape `request` has. */
export const RunnerTask = component(
  'RunnerTask',
  z.discriminatedUnion('type', [RunnerGenerateTask, RunnerUpscaleTask, RunnerExtendTask]).meta({
    description:
      'A claimed task. `type` says which request it carries: the validated request, defaults filled in and settings.seed already resolved',
    discriminator: {
      propertyName: 'type',
      mapping: {
        generate: componentRef('RunnerGenerateTask'),
        upscale: componentRef('RunnerUpscaleTask'),
        extend: componentRef('RunnerExtendTask'),
      },
    },
  }),
);
export type RunnerTask = z.infer<typeof RunnerTask>;

/**
 * A claimed task with its request left unread: what a runner parses first, so that a task whose
 * request it cannot read is failed by id and lease (and the server's retry policy decides) instead
 * of being dropped as an unreadable answer. Not part of the document: RunnerTask is.
 */
export const RunnerTaskEnvelope = z.object({
  ...runnerTaskFields,
  type: z.enum(TASK_TYPES),
  request: z.unknown(),
});
export type RunnerTaskEnvelope = z.infer<typeof RunnerTaskEnvelope>;

/**
 * A claim's answer as a runner reads it first: the version before anything else, the task's request
 * unread. A server from before `protocolVersion` existed spoke version 1.
 */
export const RunnerClaimEnvelope = z.object({
  protocolVersion: z.number().int().default(1),
  task: RunnerTaskEnvelope.nullable(),
});
export type RunnerClaimEnvelope = z.infer<typeof RunnerClaimEnvelope>;

export const RunnerClaimResponse = component(
  'RunnerClaimResponse',
  z.object({
    protocolVersion: z
      .number()
      .int()
      .min(1)
      .describe(
        `The runner protocol version the server speaks (${RUNNER_PROTOCOL_VERSION}); a runner that speaks another refuses to work with it`,
      ),
    task: RunnerTask.nullable().describe('null when no task arrived within waitMs'),
  }),
);
export type RunnerClaimResponse = z.infer<typeof RunnerClaimResponse>;

export const RunnerHeartbeatRequest = component(
  'RunnerHeartbeatRequest',
  z.strictObject({
    progress: z.number().min(0).max(1).describe('Fraction done; values lower than the last are ignored'),
    stage: z.string().max(64).optional().describe('What the runner is doing, e.g. "denoising" or "encoding"'),
  }),
);
export type RunnerHeartbeatRequest = z.infer<typeof RunnerHeartbeatRequest>;

export const RunnerHeartbeatResponse = component(
  'RunnerHeartbeatResponse',
  z.object({
    cancelled: z.boolean().describe('true: the task was cancelled or timed out; stop and send nothing more'),
    leaseExpiresAt: z.number().int().nullable().describe('The extended lease expiry; null when cancelled'),
  }),
);
export type RunnerHeartbeatResponse = z.infer<typeof RunnerHeartbeatResponse>;

export const RunnerUploadResponse = component(
  'RunnerUploadResponse',
  z.object({
    size: z.number().int(),
    video: VideoInfo.describe("What the server's probe found in the upload"),
  }),
);
export type RunnerUploadResponse = z.infer<typeof RunnerUploadResponse>;

/** Codes a runner may fail a task with: the outcomes a runner can know about (not CANCELLED or TIMEOUT). */
export const RUNNER_FAILURE_CODES = [
  'SOURCE_TOO_LARGE',
  'SOURCE_UNSUPPORTED',
  'SOURCE_INVALID',
  'ENGINE_FAILED',
  'ENGINE_UNAVAILABLE',
  'OUTPUT_INVALID',
  'INTERNAL_ERROR',
] as const satisfies readonly TaskErrorCode[];

export const RunnerFailRequest = component(
  'RunnerFailRequest',
  z.strictObject({
    code: z.enum(RUNNER_FAILURE_CODES).default('ENGINE_FAILED'),
    message: z.string().trim().min(1).max(2000).describe('Shown to the API client in task.error.message'),
    retryable: z
      .boolean()
      .default(true)
      .describe('false for deterministic failures (bad input): the task fails at once without another attempt'),
    retryAfterMs: z
      .number()
      .int()
      .min(0)
      .max(3_600_000)
      .optional()
      .describe('For a retryable failure: do not retry before this many ms (e.g. a GPU that needs to cool down)'),
  }),
);
export type RunnerFailRequest = z.infer<typeof RunnerFailRequest>;
export type RunnerFailRequestInput = z.input<typeof RunnerFailRequest>;

export const RunnerAbortRequest = component(
  'RunnerAbortRequest',
  z.strictObject({ reason: z.string().max(500).optional() }),
);
export type RunnerAbortRequest = z.infer<typeof RunnerAbortRequest>;

export const RunnerSettleResponse = component(
  'RunnerSettleResponse',
  z.object({
    status: z.enum(TASK_STATUSES).describe('The task status after the call: SUCCESS, PENDING (to be retried) or FAIL'),
  }),
);
export type RunnerSettleResponse = z.infer<typeof RunnerSettleResponse>;

/** A runner as the operator sees it (`vidforge runners list --json`). */
export const RunnerInfo = z.object({
  id: z.string(),
  name: z.string().nullable(),
  tokenPrefix: z.string(),
  engines: z.array(z.string()),
  operations: z.array(z.enum(TASK_TYPES)),
  concurrency: z.number().int(),
  createdAt: z.number().int(),
  lastSeenAt: z.number().int().nullable(),
  revokedAt: z.number().int().nullable(),
  running: z.array(
    z.object({
      taskId: z.string(),
      attempt: z.number().int(),
      progress: z.number(),
      stage: z.string().nullable(),
      leaseExpiresAt: z.number().int(),
    }),
  ),
});
export type RunnerInfo = z.infer<typeof RunnerInfo>;
