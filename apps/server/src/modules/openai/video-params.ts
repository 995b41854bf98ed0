/**
 * OpenAI request fields → the seed API's request bodies, checked against what the endpoint's engine
 * can make. Every engine today makes the seed's fixed sizes (one per aspect ratio, CONTRACT.md Part
 * B) and lengths (generate 2, 4 or 8 s; extend by 2 or 4 s), so a size or length outside them is a
 * 400 that lists the possible values, never a different video than asked for.
 */
import {
  ASPECT_RATIOS,
  type AspectRatio,
  DURATIONS,
  EXTEND_DURATIONS,
  type ExtendRequestInput,
  type GenerateRequestInput,
  OPENAI_DEFAULT_SECONDS,
  OPENAI_DEFAULT_SIZE,
  type OpenAiCreateVideoRequest,
  type OpenAiExtendVideoRequest,
  OUTPUT_SIZES,
} from '@vidforge/contract';
import type { EndpointRecord } from '../../ports/access-store.ts';
import { invalidParam } from './openai-errors.ts';
import { sizeText } from './video-object.ts';

export interface EngineCapabilities {
  sizes: ReadonlyMap<string, AspectRatio>;
  seconds: readonly number[];
  extendSeconds: readonly number[];
}

const SEED_SIZES: ReadonlyMap<string, AspectRatio> = new Map(
  ASPECT_RATIOS.map((ratio) => [sizeText(OUTPUT_SIZES[ratio]), ratio] as const),
);

/** What the endpoint's engine makes; one place to widen when an engine makes more. */
export function capabilitiesOf(_endpoint: EndpointRecord): EngineCapabilities {
  return { sizes: SEED_SIZES, seconds: DURATIONS, extendSeconds: EXTEND_DURATIONS };
}

function aspectRatioOf(size: string, caps: EngineCapabilities): AspectRatio {
  const ratio = caps.sizes.get(size);
  if (!ratio) {
    throw invalidParam(
      'size',
      `size ${size} is not one this model makes; supported: ${[...caps.sizes.keys()].join(', ')}`,
      'unsupported_size',
    );
  }
  return ratio;
}

function durationOf(seconds: number, allowed: readonly number[], what: string) {
  if (!allowed.includes(seconds)) {
    throw invalidParam(
      'seconds',
      `seconds ${seconds} is not ${what} this model makes; supported: ${allowed.join(', ')}`,
      'unsupported_seconds',
    );
  }
  return seconds as never;
}

/** The seed generate body of a create; `sourceImage` is the checked reference's URL, if any. */
export function generateBody(
  params: OpenAiCreateVideoRequest,
  caps: EngineCapabilities,
  sourceImage: string | undefined,
): GenerateRequestInput {
  if (params.guidance_scale !== undefined) {
    // The seed's generate has no guidance setting, and dropping it silently would make another video.
    throw invalidParam(
      'guidance_scale',
      'guidance_scale is not supported when creating a video on this server (only on extensions)',
      'unsupported_parameter',
    );
  }
  return {
    prompt: params.prompt,
    ...(params.negative_prompt === undefined ? {} : { negativePrompt: params.negative_prompt }),
    ...(sourceImage === undefined ? {} : { config: { sourceImage } }),
    ...(params.callback_url === undefined ? {} : { callbackUrl: params.callback_url }),
    settings: {
      seed: params.seed ?? -1,
      duration: durationOf(params.seconds ?? Number(OPENAI_DEFAULT_SECONDS), caps.seconds, 'a length'),
      aspectRatio: aspectRatioOf(params.size ?? OPENAI_DEFAULT_SIZE, caps),
    },
  };
}

/** The seed extend body of an extension of the video at `sourceVideo`. */
export function extendBody(
  params: OpenAiExtendVideoRequest,
  caps: EngineCapabilities,
  sourceVideo: string,
): ExtendRequestInput {
  return {
    prompt: params.prompt,
    ...(params.negative_prompt === undefined ? {} : { negativePrompt: params.negative_prompt }),
    config: { sourceVideo, extendDuration: durationOf(params.seconds, caps.extendSeconds, 'an extension') },
    settings: {
      seed: params.seed ?? -1,
      ...(params.guidance_scale === undefined ? {} : { guidanceScale: params.guidance_scale }),
    },
  };
}
