/**
 * Flags → request bodies, checked with the contract's own schemas before anything is sent, so a
 * bad value is a usage error naming the flag (and never a task). Numbers are parsed strictly:
 * "4s" or "1e3" are errors, not 4 or 1000.
 */
import {
  ExtendRequest,
  type ExtendRequestInput,
  GenerateRequest,
  type GenerateRequestInput,
  parseWith,
  UpscaleRequest,
  type UpscaleRequestInput,
} from '@vidforge/contract';
import { usageError } from '../cli-error.ts';

/** Body field path → the flag that sets it, for error messages. */
const FLAG_OF: Record<string, string> = {
  prompt: 'the prompt',
  negativePrompt: '--negative',
  'config.sourceImage': '--image',
  'config.sourceVideo': 'the source video',
  'config.extendDuration': '--seconds',
  'settings.seed': '--seed',
  'settings.duration': '--duration',
  'settings.aspectRatio': '--aspect',
  'settings.guidanceScale': '--guidance',
};

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw usageError(`${flag}: expected an integer, got "${value}"`);
  return Number(value);
}

function decimal(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+(\.\d+)?$/.test(value.trim())) throw usageError(`${flag}: expected a number, got "${value}"`);
  return Number(value);
}

/** Drops undefined fields and empty objects, so the body carries only what the user set. */
function compact<T>(value: T): T {
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const inner = compact(field);
    if (inner === undefined) continue;
    if (inner && typeof inner === 'object' && Object.keys(inner).length === 0) continue;
    out[key] = inner;
  }
  return out as T;
}

function validated<T>(schema: Parameters<typeof parseWith>[0], body: T): T {
  const result = parseWith(schema, body);
  if (result.ok) return body;
  const problems = result.details.map((d) => `${FLAG_OF[d.path] ?? (d.path || 'request')}: ${d.message}`);
  throw usageError(problems.join('; '));
}

export function generateBody(
  prompt: string | undefined,
  flags: { negative?: string; image?: string; seed?: string; duration?: string; aspect?: string },
): GenerateRequestInput {
  if (prompt === undefined) throw usageError('generate needs a prompt: vidforge generate "a sunset over the ocean"');
  const body = compact({
    prompt,
    negativePrompt: flags.negative,
    config: { sourceImage: flags.image },
    settings: {
      seed: integer('--seed', flags.seed),
      duration: integer('--duration', flags.duration),
      aspectRatio: flags.aspect,
    },
  });
  return validated(GenerateRequest, body as GenerateRequestInput);
}

export function upscaleBody(sourceVideo: string | undefined): UpscaleRequestInput {
  if (sourceVideo === undefined) throw usageError('upscale needs the source video: vidforge upscale URL|FILE');
  return validated(UpscaleRequest, { config: { sourceVideo } });
}

export function extendBody(
  sourceVideo: string | undefined,
  flags: { prompt?: string; negative?: string; seconds?: string; guidance?: string; seed?: string },
): ExtendRequestInput {
  if (sourceVideo === undefined) throw usageError('extend needs the source video: vidforge extend URL|FILE');
  const body = compact({
    prompt: flags.prompt,
    negativePrompt: flags.negative,
    config: { sourceVideo, extendDuration: integer('--seconds', flags.seconds) },
    settings: { seed: integer('--seed', flags.seed), guidanceScale: decimal('--guidance', flags.guidance) },
  });
  return validated(ExtendRequest, body as ExtendRequestInput);
}
