/**
 * Request bodies of the three submit operations, exactly as CONTRACT.md Parts A and B say:
 * strict objects (unknown fields are rejected by name), no coercion, documented defaults.
 */
import { z } from 'zod';
import { component } from './registry.ts';

export const ASPECT_RATIOS = ['16:9', '9:16', '4:3', '3:4', '1:1'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];
export const DURATIONS = [2, 4, 8] as const;
export const EXTEND_DURATIONS = [2, 4] as const;
export const SEED_MAX = 4_294_967_295;
export const PROMPT_MAX = 2000;
export const URL_MAX = 2048;

export const DEFAULTS = {
  seed: -1,
  duration: 2,
  aspectRatio: '16:9',
  extendDuration: 4,
  guidanceScale: 7.5,
} as const;

/** Output size of `generate` per aspect ratio (CONTRACT.md Part B). */
export const OUTPUT_SIZES: Record<AspectRatio, { width: number; height: number }> = {
  '16:9': { width: 1280, height: 720 },
  '9:16': { width: 720, height: 1280 },
  '4:3': { width: 960, height: 720 },
  '3:4': { width: 720, height: 960 },
  '1:1': { width: 720, height: 720 },
};

const codePoints = (s: string) => [...s].length;

export const Prompt = z
  .string()
  .trim()
  .refine((s) => s.length > 0, 'must not be empty')
  .refine((s) => codePoints(s) <= PROMPT_MAX, `must be at most ${PROMPT_MAX} characters`);

export const NegativePrompt = z
  .string()
  .trim()
  .refine((s) => codePoints(s) <= PROMPT_MAX, `must be at most ${PROMPT_MAX} characters`);

/** An absolute http(s) URL without credentials, at most URL_MAX characters. */
const httpUrl = () =>
  z
    .string()
    .max(URL_MAX, `must be at most ${URL_MAX} characters`)
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be an absolute http or https URL' });
        return;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        ctx.addIssue({ code: 'custom', message: 'must use http or https' });
      } else if (url.username !== '' || url.password !== '') {
        ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password' });
      }
    });

/** A source the server fetches; fetching rules (the SSRF guard) are the server's job. */
export const MediaUrl = httpUrl().meta({ format: 'uri', examples: ['https://example.com/source.mp4'] });

/**
 * Where the server POSTs the task's terminal event, signed the Standard Webhooks way (a Part C
 * addition, docs/webhooks.md). Checked here for shape only; the address rule applies at delivery.
 */
export const CallbackUrl = httpUrl()
  .describe(
    "Part C addition: URL that receives the task's terminal webhook event (task.succeeded, task.failed, task.cancelled), signed with the endpoint's webhook secret",
  )
  .meta({ format: 'uri', examples: ['https://example.com/hooks/vidforge'] });

const Seed = z
  .number()
  .int('must be an integer')
  .min(-1)
  .max(SEED_MAX)
  .describe('Sampling seed; -1 lets the server pick one (the task records the seed it used)');

/** One of a few allowed numbers; a string such as "2" is a type error, never coerced. */
const oneOf = <const T extends readonly [number, ...number[]]>(values: T) =>
  z.literal(values, {
    error: (issue) =>
      typeof issue.input === 'number'
        ? `must be one of ${values.join(', ')}`
        : `expected a number (one of ${values.join(', ')}), received ${describeType(issue.input)}`,
  });

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export const GenerateRequest = component(
  'GenerateRequest',
  z.strictObject({
    prompt: Prompt.describe('What the video shows; 1..2000 characters after trimming'),
    negativePrompt: NegativePrompt.optional(),
    config: z
      .strictObject({
        sourceImage: MediaUrl.optional().describe('Public URL of the first frame (JPEG, PNG or WebP)'),
      })
      .optional(),
    callbackUrl: CallbackUrl.optional(),
    settings: z
      .strictObject({
        seed: Seed.default(DEFAULTS.seed),
        duration: oneOf(DURATIONS).default(DEFAULTS.duration).describe('Seconds: 2, 4 or 8'),
        aspectRatio: z.enum(ASPECT_RATIOS).default(DEFAULTS.aspectRatio),
      })
      .prefault({}),
  }),
);
export type GenerateRequest = z.infer<typeof GenerateRequest>;
export type GenerateRequestInput = z.input<typeof GenerateRequest>;

export const UpscaleRequest = component(
  'UpscaleRequest',
  z.strictObject({
    config: z.strictObject({
      sourceVideo: MediaUrl.describe('Public URL of the video to upscale (MP4, MOV, WebM, MKV)'),
    }),
    callbackUrl: CallbackUrl.optional(),
  }),
);
export type UpscaleRequest = z.infer<typeof UpscaleRequest>;
export type UpscaleRequestInput = z.input<typeof UpscaleRequest>;

export const ExtendRequest = component(
  'ExtendRequest',
  z.strictObject({
    prompt: Prompt.optional().describe('Prompt for the continuation'),
    negativePrompt: NegativePrompt.optional(),
    config: z.strictObject({
      sourceVideo: MediaUrl.describe('Public URL of the video to extend'),
      extendDuration: oneOf(EXTEND_DURATIONS).default(DEFAULTS.extendDuration).describe('Seconds to add: 2 or 4'),
    }),
    callbackUrl: CallbackUrl.optional(),
    settings: z
      .strictObject({
        seed: Seed.default(DEFAULTS.seed),
        guidanceScale: z.number().min(1).max(20).default(DEFAULTS.guidanceScale).describe('Guidance scale, 1..20'),
      })
      .prefault({}),
  }),
);
export type ExtendRequest = z.infer<typeof ExtendRequest>;
export type ExtendRequestInput = z.input<typeof ExtendRequest>;

export const TASK_TYPES = ['generate', 'upscale', 'extend'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const REQUEST_SCHEMAS = {
  generate: GenerateRequest,
  upscale: UpscaleRequest,
  extend: ExtendRequest,
} as const;

/** The validated request of a task, tagged by its type. */
export type TaskRequest =
  | { type: 'generate'; body: GenerateRequest }
  | { type: 'upscale'; body: UpscaleRequest }
  | { type: 'extend'; body: ExtendRequest };
