/**
 * The settings of an endpoint of engine `upstream` (docs/upstream.md): which kind of API it
 * forwards to, where, as whom. Checked when the endpoint is created (admin.service.ts) and again
 * by the engine before each run, with one message naming every problem.
 *
 * The credential is a secret: it lives in the endpoint's settings in the database and nowhere
 * else; listings show REDACTED in its place, and no log line or error message contains it.
 */
import { ENDPOINT_PATH_PATTERN } from '@vidforge/contract';
import { z } from 'zod';
import { type Allowlist, parseAllowlist } from '../../modules/media/fetch-allowlist.ts';

export const UPSTREAM_ENGINE = 'upstream';
export const UPSTREAM_KINDS = ['openai', 'haiper'] as const;
export type UpstreamKind = (typeof UPSTREAM_KINDS)[number];

/** What listings show instead of a credential. */
export const REDACTED = '***';

const BaseUrl = z.string().superRefine((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http or https URL' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    ctx.addIssue({ code: 'custom', message: 'must be http or https' });
  if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'must not hold a user name or password (use settings.credential)' });
  }
  if (url.search || url.hash) ctx.addIssue({ code: 'custom', message: 'must not have a query or fragment' });
});

const MediaHost = z.string().refine(
  (text) => {
    try {
      return parseAllowlist(text).length === 1 && !text.startsWith('*') && !text.includes('/');
    } catch {
      return false;
    }
  },
  { message: 'must be a host or host:port (an IPv6 address in brackets)' },
);

const Common = {
  baseUrl: BaseUrl,
  credential: z.string().min(1).max(4096).optional(),
  /** Other hosts the upstream's media URLs may be on (its object store); the base URL's host always may. */
  mediaHosts: z.array(MediaHost).max(16).optional(),
  /** The first wait between polls, growing by half each time nothing changed, up to pollMaxIntervalMs. */
  pollIntervalMs: z.number().int().min(10).max(60_000).optional(),
  pollMaxIntervalMs: z.number().int().min(10).max(600_000).optional(),
  /** Each HTTP call to the upstream (not the result download, which has the media fetch limits). */
  requestTimeoutMs: z.number().int().min(100).max(600_000).optional(),
};

const SettingsSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('openai'),
    ...Common,
    /** Sent as `model`; optional for servers that serve one model (or a Vidforge key with one endpoint). */
    model: z.string().min(1).max(200).optional(),
  }),
  z.strictObject({
    kind: z.literal('haiper'),
    ...Common,
    endpointPath: z.string().regex(ENDPOINT_PATH_PATTERN, 'must be 4..64 characters of A-Z a-z 0-9 _ -'),
    /**
     * How a task's source reaches the upstream: `upload` (default) sends the file this server
     * fetched and checked to `POST …/uploads`; `url` passes the caller's URL on for the upstream to
     * fetch itself (an upstream without the uploads route, such as the hosted original).
     */
    sources: z.enum(['upload', 'url']).optional(),
  }),
]);

export interface UpstreamSettings {
  kind: UpstreamKind;
  /** Without a trailing slash. */
  baseUrl: string;
  credential: string | undefined;
  model: string | undefined;
  endpointPath: string | undefined;
  sources: 'upload' | 'url';
  /** The base URL's host and the media hosts, as `host:port` for the fetcher's `onlyHosts`. */
  mediaHostPorts: string[];
  /** Allow entries for those hosts, added to the server's for the result download only. */
  mediaAllow: Allowlist;
  pollIntervalMs: number;
  pollMaxIntervalMs: number;
  requestTimeoutMs: number;
}

const hostPort = (url: URL) =>
  `${url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase()}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;

/** The settings, or the problems as one message naming each field. */
export function parseUpstreamSettings(
  settings: Record<string, unknown>,
): { ok: true; settings: UpstreamSettings } | { ok: false; problem: string } {
  const parsed = SettingsSchema.safeParse(settings);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys')
        return `unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
      const path = issue.path.join('.');
      if (path === 'kind') return `settings.kind must be one of ${UPSTREAM_KINDS.join(', ')}`;
      if (issue.code === 'invalid_type' && issue.input === undefined) return `settings.${path} is required`;
      return `settings.${path} ${issue.message}`;
    });
    return {
      ok: false,
      problem: `An endpoint of engine "upstream" needs valid settings: ${problems.join('; ')} (see docs/upstream.md)`,
    };
  }
  const value = parsed.data;
  const base = new URL(value.baseUrl);
  const pollIntervalMs = value.pollIntervalMs ?? 1000;
  const pollMaxIntervalMs = value.pollMaxIntervalMs ?? Math.max(10_000, pollIntervalMs);
  if (pollMaxIntervalMs < pollIntervalMs) {
    return { ok: false, problem: 'settings.pollMaxIntervalMs must not be below settings.pollIntervalMs' };
  }
  const mediaHosts = value.mediaHosts ?? [];
  const mediaHostPorts = [hostPort(base), ...mediaHosts.map((entry) => hostPort(new URL(`http://${entry}`)))];
  // The base URL's host with its own port (or the default ones), and each media host as written.
  const mediaAllow = parseAllowlist([base.host, ...mediaHosts].join(','));
  return {
    ok: true,
    settings: {
      kind: value.kind,
      baseUrl: value.baseUrl.replace(/\/+$/, ''),
      credential: value.credential,
      model: value.kind === 'openai' ? value.model : undefined,
      endpointPath: value.kind === 'haiper' ? value.endpointPath : undefined,
      sources: value.kind === 'haiper' ? (value.sources ?? 'upload') : 'upload',
      mediaHostPorts,
      mediaAllow,
      pollIntervalMs,
      pollMaxIntervalMs,
      requestTimeoutMs: value.requestTimeoutMs ?? 30_000,
    },
  };
}

/** Why these settings cannot make an upstream endpoint, or null when they can. */
export function upstreamSettingsProblem(settings: Record<string, unknown>): string | null {
  const parsed = parseUpstreamSettings(settings);
  return parsed.ok ? null : parsed.problem;
}

/** Settings as listings show them: any credential replaced by REDACTED. */
export function redactSettings(settings: Record<string, unknown>): Record<string, unknown> {
  return 'credential' in settings ? { ...settings, credential: REDACTED } : settings;
}
