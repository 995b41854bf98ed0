/** The task object returned by GET, DELETE and list (CONTRACT.md A4 plus the Part C additions). */
import { z } from 'zod';
import { TaskError } from './errors.ts';
import { component } from './registry.ts';
import { ExtendRequest, GenerateRequest, TASK_TYPES, UpscaleRequest } from './requests.ts';

export const TASK_STATUSES = ['PENDING', 'IN_PROGRESS', 'SUCCESS', 'FAIL'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const VideoInfo = component(
  'VideoInfo',
  z.object({
    width: z.number().int(),
    height: z.number().int(),
    fps: z.number(),
    durationSeconds: z.number(),
    hasAudio: z.boolean(),
  }),
  { description: 'Properties of the produced video (on SUCCESS)' },
);
export type VideoInfo = z.infer<typeof VideoInfo>;

/** Cap of `queue.position`: counting stops there, so a poll's cost is bounded whatever the backlog. */
export const QUEUE_POSITION_CAP = 1000;

export const TaskQueue = component(
  'TaskQueue',
  z.object({
    position: z
      .number()
      .int()
      .min(1)
      .describe(
        `1 when the task is next to be claimed: 1 + the PENDING tasks of the same engine claimed before it. Counting stops at ${QUEUE_POSITION_CAP}`,
      ),
    positionIsLowerBound: z
      .boolean()
      .describe(`true when counting stopped at the cap: the task is at position ${QUEUE_POSITION_CAP} or later`),
    runnerFamily: z
      .string()
      .nullable()
      .describe('The model family whose remote runners run this task; null for an engine that runs in the server'),
    runnersOnline: z
      .number()
      .int()
      .min(0)
      .nullable()
      .describe(
        'Remote runners allowed to serve this family and operation that called the server recently (0: the task waits until one connects); null when runnerFamily is null',
      ),
  }),
  { description: 'Where a PENDING task waits (addition)' },
);
export type TaskQueue = z.infer<typeof TaskQueue>;

export const Task = component(
  'Task',
  z.object({
    taskId: z.string(),
    type: z.enum(TASK_TYPES),
    status: z.enum(TASK_STATUSES),
    progress: z.number().min(0).max(1).describe('0 while PENDING, 1 only on SUCCESS, never decreases'),
    mediaUrl: z.string().nullable().describe('Freshly signed URL of the result on SUCCESS, otherwise null'),
    expireTime: z.number().int().nullable().describe('Expiry of mediaUrl in epoch milliseconds, otherwise null'),
    createdAt: z.number().int().describe('Epoch milliseconds'),
    updatedAt: z.number().int().describe('Epoch milliseconds'),
    seed: z.number().int().nullable().describe('The seed used (null for upscale)'),
    error: TaskError.nullable(),
    video: VideoInfo.nullable(),
    request: z
      .union([GenerateRequest, UpscaleRequest, ExtendRequest])
      .describe('The request the task was made with, after validation: defaults filled in, prompts trimmed'),
    queue: TaskQueue.nullable().describe('Where the task waits while PENDING (addition); null in every other status'),
  }),
);
export type Task = z.infer<typeof Task>;

export const SubmitResponse = component('SubmitResponse', z.object({ taskId: z.string() }));
export type SubmitResponse = z.infer<typeof SubmitResponse>;

export const LIST_LIMIT_DEFAULT = 20;
export const LIST_LIMIT_MAX = 100;

/**
 * Query of the list route. Query strings are text, so `limit` is parsed from decimal digits only
 * (no "1e2", no "+5"); unknown parameters are rejected like unknown body fields.
 */
export const ListTasksQuery = z.strictObject({
  status: z.enum(TASK_STATUSES).optional(),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, `must be an integer from 1 to ${LIST_LIMIT_MAX}`)
    .transform(Number)
    .refine((n) => n <= LIST_LIMIT_MAX, `must be an integer from 1 to ${LIST_LIMIT_MAX}`)
    .optional(),
  cursor: z.string().max(200).optional(),
});
export type ListTasksQuery = z.infer<typeof ListTasksQuery>;

export const TaskList = component(
  'TaskList',
  z.object({
    tasks: z.array(Task),
    nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null at the end'),
  }),
);
export type TaskList = z.infer<typeof TaskList>;

/** Path parameters: both are opaque tokens of URL-safe characters. */
export const ENDPOINT_PATH_PATTERN = /^[A-Za-z0-9_-]{4,64}$/;
export const TASK_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
