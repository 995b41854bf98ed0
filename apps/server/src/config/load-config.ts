/**
 * Parses configuration once, at boot: defaults < JSON config file < VIDFORGE_* environment.
 * All problems are collected and reported together so an operator fixes them in one go.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MEDIA_ENV, mediaEnvInput } from '../modules/media/media.config.ts';
import { type ServerConfig, ServerConfigSchema } from './config.schema.ts';

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `dataDir` → `VIDFORGE_DATA_DIR`. */
export const envName = (key: string) => `VIDFORGE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

const SHAPE = ServerConfigSchema.shape;
type Key = keyof typeof SHAPE;

function baseType(schema: z.ZodType): string {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  if (s instanceof z.ZodNumber) return 'number';
  if (s instanceof z.ZodBoolean) return 'boolean';
  return 'string';
}

/** Environment values are text; numbers and booleans must be spelled exactly. */
function fromEnv(env: NodeJS.ProcessEnv, problems: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(SHAPE) as Key[]) {
    if (key === 'media') continue;
    const name = envName(key);
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const type = baseType(SHAPE[key]);
    if (type === 'number') {
      if (!/^-?\d+$/.test(raw.trim())) problems.push(`${name}: expected an integer, got "${raw}"`);
      else out[key] = Number(raw.trim());
    } else if (type === 'boolean') {
      if (!/^(true|false|1|0)$/.test(raw.trim())) problems.push(`${name}: expected true or false, got "${raw}"`);
      else out[key] = raw.trim() === 'true' || raw.trim() === '1';
    } else out[key] = raw;
  }
  return out;
}

function fromFile(path: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'cannot be read'}`);
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    problems.push(`config file ${path}: must contain a JSON object`);
  } catch (error) {
    problems.push(`config file ${path}: invalid JSON (${(error as Error).message})`);
  }
  return {};
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Explicit config file; otherwise VIDFORGE_CONFIG. */
  file?: string;
}

export function loadConfig(options: LoadConfigOptions = {}): ServerConfig {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const file = options.file ?? env.VIDFORGE_CONFIG;
  const fileValues = file ? fromFile(file, problems) : {};
  const mediaEnv = Object.fromEntries(
    Object.entries(mediaEnvInput(env)).filter(([, v]) => v !== undefined && v !== ''),
  );
  const fileMedia = fileValues.media && typeof fileValues.media === 'object' ? fileValues.media : {};
  const merged = { ...fileValues, ...fromEnv(env, problems), media: { ...fileMedia, ...mediaEnv } };
  const result = ServerConfigSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '');
      const mediaKey = String(issue.path[1] ?? '');
      const where =
        key === 'media' && mediaKey in MEDIA_ENV
          ? `media.${mediaKey} (${MEDIA_ENV[mediaKey as keyof typeof MEDIA_ENV]})`
          : key in SHAPE
            ? `${key} (${envName(key)})`
            : key || 'config';
      if (issue.code === 'unrecognized_keys') {
        problems.push(...issue.keys.map((k) => `config file: unknown setting "${k}"`));
      } else problems.push(`${where}: ${issue.message}`);
    }
  }
  if (result.success && result.data.retryBaseMs > result.data.retryMaxMs) {
    problems.push(`retryBaseMs (${result.data.retryBaseMs}) must not exceed retryMaxMs (${result.data.retryMaxMs})`);
  }
  if (result.success && result.data.webhookRetryBaseMs > result.data.webhookRetryMaxMs) {
    problems.push(
      `webhookRetryBaseMs (${result.data.webhookRetryBaseMs}) must not exceed webhookRetryMaxMs (${result.data.webhookRetryMaxMs})`,
    );
  }
  if (result.success) {
    const { headersTimeoutMs, bodyTimeoutMs, requestTimeoutMs } = result.data;
    for (const [name, value] of [
      ['headersTimeoutMs', headersTimeoutMs],
      ['bodyTimeoutMs', bodyTimeoutMs],
    ] as const) {
      if (value > requestTimeoutMs)
        problems.push(`${name} (${value}) must not exceed requestTimeoutMs (${requestTimeoutMs})`);
    }
  }
  if (result.success) problems.push(...s3Problems(result.data));
  if (result.success && result.data.signingSecret && result.data.signingSecrets) {
    problems.push(
      'signingSecret (VIDFORGE_SIGNING_SECRET) and signingSecrets (VIDFORGE_SIGNING_SECRETS): set one, not both',
    );
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const config = result.data;
  return config.publicUrl ? { ...config, publicUrl: config.publicUrl.replace(/\/+$/, '') } : config;
}

/** S3 settings only mean something with a bucket, and static credentials come in pairs. */
function s3Problems(config: ServerConfig): string[] {
  const problems: string[] = [];
  const named = (key: keyof ServerConfig) => `${key} (${envName(key)})`;
  if (!config.s3Bucket) {
    for (const key of ['s3Endpoint', 's3Region', 's3AccessKeyId', 's3SecretAccessKey'] as const) {
      if (config[key] !== undefined) problems.push(`${named(key)}: is set but s3Bucket (VIDFORGE_S3_BUCKET) is not`);
    }
  }
  if ((config.s3AccessKeyId === undefined) !== (config.s3SecretAccessKey === undefined)) {
    problems.push(`${named('s3AccessKeyId')} and ${named('s3SecretAccessKey')} must be set together`);
  }
  return problems;
}

/** The origin of media URLs when none is configured: where the server actually listens. */
export function defaultPublicUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}
