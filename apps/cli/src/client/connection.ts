/**
 * Where the client commands connect: flags win over the environment, which wins over the profile
 * file. The access key is only ever handed to the SDK; nothing here prints it.
 */
import { Vidforge } from '@vidforge/sdk/node';
import { CliError, EXIT } from '../cli-error.ts';
import { profilePath, readProfiles } from './profile-file.ts';

/** Flags every client command accepts. */
export const CONNECTION_FLAGS = {
  'base-url': { type: 'string' },
  endpoint: { type: 'string' },
  key: { type: 'string' },
  profile: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const CONNECTION_HELP = `Connection (flag > environment > profile from \`vidforge login\`):
  --base-url URL   API basePath, e.g. http://localhost:8080/v1/ai   (VIDFORGE_BASE_URL)
  --endpoint PATH  endpointPath issued with the key                  (VIDFORGE_ENDPOINT)
  --key KEY        access key; prefer the environment or login       (VIDFORGE_ACCESS_KEY)
  --profile NAME   profile in the login file (default "default")     (VIDFORGE_PROFILE)
  --json           machine-readable output (also when stdout is not a terminal)`;

export interface ConnectionValues {
  'base-url'?: string;
  endpoint?: string;
  key?: string;
  profile?: string;
}

export interface Connection {
  baseUrl: string;
  endpoint: string;
  accessKey: string;
}

const pick = (...values: (string | undefined)[]) => values.find((v) => v !== undefined && v.trim() !== '')?.trim();

export async function resolveConnection(values: ConnectionValues, env = process.env): Promise<Connection> {
  const explicit = pick(values.profile, env.VIDFORGE_PROFILE);
  const name = explicit ?? 'default';
  const path = profilePath(env);
  const complete =
    pick(values['base-url'], env.VIDFORGE_BASE_URL) &&
    pick(values.endpoint, env.VIDFORGE_ENDPOINT) &&
    pick(values.key, env.VIDFORGE_ACCESS_KEY);
  // The file is read only when something may come from it: flags and environment may say it all.
  const profile = explicit || !complete ? (await readProfiles(path)).profiles[name] : undefined;
  if (!profile && explicit) {
    throw new CliError(`no profile "${name}" in ${path}; run \`vidforge login --profile ${name}\``, EXIT.config);
  }
  const baseUrl = pick(values['base-url'], env.VIDFORGE_BASE_URL, profile?.baseUrl);
  const endpoint = pick(values.endpoint, env.VIDFORGE_ENDPOINT, profile?.endpoint);
  const accessKey = pick(values.key, env.VIDFORGE_ACCESS_KEY, profile?.accessKey);
  const missing = [
    baseUrl ? null : 'the base URL (--base-url or VIDFORGE_BASE_URL)',
    endpoint ? null : 'the endpoint (--endpoint or VIDFORGE_ENDPOINT)',
    accessKey ? null : 'the access key (VIDFORGE_ACCESS_KEY or --key)',
  ].filter((m) => m !== null);
  if (missing.length > 0) {
    throw new CliError(`missing ${missing.join(', ')}; or run \`vidforge login\` once`, EXIT.config);
  }
  checkBaseUrl(baseUrl!);
  return { baseUrl: baseUrl!, endpoint: endpoint!, accessKey: accessKey! };
}

export function checkBaseUrl(baseUrl: string): void {
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {}
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new CliError(
      `base URL "${baseUrl}" is not an http(s) URL (expected e.g. http://localhost:8080/v1/ai)`,
      EXIT.config,
    );
  }
}

/** Polling starts at 1 s and backs off to 5 s; VIDFORGE_POLL_INTERVAL_MS sets the first pause (scripts, tests). */
export function pollInterval(env = process.env): number | undefined {
  const raw = env.VIDFORGE_POLL_INTERVAL_MS;
  return raw && /^\d+$/.test(raw) ? Math.max(50, Number(raw)) : undefined;
}

export function clientFor(connection: Connection): Vidforge {
  return new Vidforge({
    baseUrl: connection.baseUrl,
    endpointPath: connection.endpoint,
    accessKey: connection.accessKey,
  });
}
