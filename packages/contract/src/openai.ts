/**
 * Wire schemas of the OpenAI-compatible Videos API under `/v1` (docs/openai-api.md). The object
 * shapes follow the official `openai` SDKs' `videos` and `models` resources field for field; the
 * request schemas use the OpenAI field names so an error can name the field the client sent.
 *
 * Multipart bodies carry text only, so numbers (`seconds`, `seed`, `guidance_scale`) are accepted as
 * decimal strings as well as JSON numbers; nothing else is coerced.
 */
import { z } from 'zod';
import { component } from './registry.ts';
import { CallbackUrl, NegativePrompt, Prompt, SEED_MAX } from './requests.ts';

export const OPENAI_BASE_PATH = '/v1';
export const OPENAI_VIDEO_STATUSES = ['queued', 'in_progress', 'completed', 'failed'] as const;
export type OpenAiVideoStatus = (typeof OPENAI_VIDEO_STATUSES)[number];
export const OPENAI_CONTENT_VARIANTS = ['video', 'thumbnail', 'spritesheet'] as const;
export type OpenAiContentVariant = (typeof OPENAI_CONTENT_VARIANTS)[number];
/** OpenAI's defaults when `seconds` or `size` is left out. */
export const OPENAI_DEFAULT_SECONDS = '4';
export const OPENAI_DEFAULT_SIZE = '720x1280';
export const OPENAI_LIST_LIMIT_DEFAULT = 20;
export const OPENAI_LIST_LIMIT_MAX = 100;
/** A data: URL in `input_reference.image_url` is bounded by the body limit; this caps the field itself. */
const IMAGE_URL_MAX = 64 * 1024 * 1024;

const integerText = (message: string) =>
  z.union([
    z.number().int(message),
    z
      .string()
      .regex(/^-?[0-9]{1,10}$/, message)
      .transform(Number),
  ]);

const numberText = (message: string) =>
  z.union([
    z.number(),
    z
      .string()
      .regex(/^[0-9]{1,3}(\.[0-9]{1,6})?$/, message)
      .transform(Number),
  ]);

export const OpenAiSeconds = integerText('must be a whole number of seconds, e.g. "4"')
  .pipe(z.number().min(1, 'must be at least 1'))
  .describe('Seconds, as a string ("4") or a number');
const Seed = integerText('must be an integer')
  .pipe(z.number().min(-1).max(SEED_MAX))
  .describe('Vidforge/open-server extension: sampling seed, -1 or absent lets the server pick one');
const GuidanceScale = numberText('must be a number').pipe(z.number().min(1).max(20));
const Model = z
  .string()
  .min(1)
  .max(200)
  .describe('The name or endpointPath of an endpoint this key may use (GET /v1/models lists them)');
const Size = z.string().regex(/^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$/, 'must be WIDTHxHEIGHT in pixels, e.g. "1280x720"');

export const OpenAiImageReference = component(
  'OpenAiImageReference',
  z.strictObject({
    image_url: z
      .string()
      .max(IMAGE_URL_MAX)
      .optional()
      .describe('A public http(s) URL of the first frame, or a base64 data: URL of a JPEG, PNG or WebP'),
    file_id: z.string().max(200).optional().describe('Not supported: this server has no Files API'),
  }),
);

export const OpenAiCreateVideoRequest = component(
  'OpenAiCreateVideoRequest',
  z.strictObject({
    prompt: Prompt.describe('What the video shows; 1..2000 characters after trimming'),
    model: Model.optional(),
    seconds: OpenAiSeconds.optional(),
    size: Size.optional(),
    input_reference: OpenAiImageReference.optional(),
    seed: Seed.optional(),
    negative_prompt: NegativePrompt.optional(),
    guidance_scale: GuidanceScale.optional(),
    callback_url: CallbackUrl.optional().describe(
      "Vidforge addition: URL that receives the video's terminal webhook event (docs/webhooks.md)",
    ),
  }),
);
export type OpenAiCreateVideoRequest = z.infer<typeof OpenAiCreateVideoRequest>;

export const OpenAiRemixVideoRequest = component(
  'OpenAiRemixVideoRequest',
  z.strictObject({ prompt: Prompt.describe('The prompt of the remix; everything else is the original video’s') }),
);
export type OpenAiRemixVideoRequest = z.infer<typeof OpenAiRemixVideoRequest>;

export const OpenAiExtendVideoRequest = component(
  'OpenAiExtendVideoRequest',
  z.strictObject({
    prompt: Prompt.describe('Prompt for the continuation'),
    seconds: OpenAiSeconds.describe('Seconds to add'),
    model: Model.optional().describe(
      "For an uploaded video, the endpoint that extends it; a video given by id is extended by its own endpoint's model",
    ),
    video: z.strictObject({ id: z.string().min(1).max(200) }).optional(),
    seed: Seed.optional(),
    negative_prompt: NegativePrompt.optional(),
    guidance_scale: GuidanceScale.optional(),
  }),
);
export type OpenAiExtendVideoRequest = z.infer<typeof OpenAiExtendVideoRequest>;

export const OpenAiListVideosQuery = z.strictObject({
  after: z.string().max(200).optional().describe('The id of the last video of the previous page'),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, `must be an integer from 1 to ${OPENAI_LIST_LIMIT_MAX}`)
    .transform(Number)
    .refine((n) => n <= OPENAI_LIST_LIMIT_MAX, `must be an integer from 1 to ${OPENAI_LIST_LIMIT_MAX}`)
    .optional(),
  order: z.enum(['asc', 'desc']).optional().describe('By creation time; default desc'),
});
export type OpenAiListVideosQuery = z.infer<typeof OpenAiListVideosQuery>;

export const OpenAiContentQuery = z.strictObject({ variant: z.enum(OPENAI_CONTENT_VARIANTS).optional() });

export const OpenAiVideoError = component('OpenAiVideoError', z.object({ code: z.string(), message: z.string() }), {
  description: 'Why a video failed; `code` is the task error code in lower case',
});

export const OpenAiVideo = component(
  'OpenAiVideo',
  z.object({
    id: z.string().describe('The task id (the same task is readable through the seed API)'),
    object: z.literal('video'),
    created_at: z.number().int().describe('Unix seconds'),
    completed_at: z.number().int().nullable().describe('Unix seconds when it completed or failed'),
    expires_at: z.number().int().nullable().describe('Unix seconds when the result is deleted (retention)'),
    error: OpenAiVideoError.nullable(),
    model: z.string().describe('The endpoint: its name, or its endpointPath when it has none'),
    progress: z.number().int().min(0).max(100),
    prompt: z.string().nullable(),
    remixed_from_video_id: z.string().nullable(),
    seconds: z.string().describe('Duration; for extensions the whole stitched video'),
    size: z.string().describe('WIDTHxHEIGHT'),
    status: z.enum(OPENAI_VIDEO_STATUSES),
  }),
);
export type OpenAiVideo = z.infer<typeof OpenAiVideo>;

export const OpenAiVideoList = component(
  'OpenAiVideoList',
  z.object({
    object: z.literal('list'),
    data: z.array(OpenAiVideo),
    first_id: z.string().nullable(),
    last_id: z.string().nullable(),
    has_more: z.boolean(),
  }),
);
export type OpenAiVideoList = z.infer<typeof OpenAiVideoList>;

export const OpenAiVideoDeleted = component(
  'OpenAiVideoDeleted',
  z.object({ id: z.string(), object: z.literal('video.deleted'), deleted: z.boolean() }),
);
export type OpenAiVideoDeleted = z.infer<typeof OpenAiVideoDeleted>;

export const OpenAiModel = component(
  'OpenAiModel',
  z.object({
    id: z.string(),
    object: z.literal('model'),
    created: z.number().int(),
    owned_by: z.string(),
  }),
);
export type OpenAiModel = z.infer<typeof OpenAiModel>;

export const OpenAiModelList = component(
  'OpenAiModelList',
  z.object({ object: z.literal('list'), data: z.array(OpenAiModel) }),
);
export type OpenAiModelList = z.infer<typeof OpenAiModelList>;

export const OpenAiErrorBody = component(
  'OpenAiError',
  z.object({
    error: z.object({
      message: z.string(),
      type: z.string().describe('invalid_request_error, authentication_error, rate_limit_error or server_error'),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  }),
  { description: 'Every error under /v1/videos and /v1/models has this shape' },
);
export type OpenAiErrorBody = z.infer<typeof OpenAiErrorBody>;
