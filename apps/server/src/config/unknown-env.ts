/**
 * A misspelt `VIDFORGE_*` variable would otherwise be ignored in silence (an unknown key in the
 * config file is an error already): every variable with the prefix that no part of Vidforge reads
 * is reported, with the closest real name when one is near.
 */
import { MEDIA_ENV } from '../modules/media/media.config.ts';
import { ServerConfigSchema } from './config.schema.ts';
import { envName } from './load-config.ts';

/** Read by the command line, the SDK, the runner and the test suites rather than the server. */
const OTHER_NAMES = [
  'VIDFORGE_CONFIG',
  'VIDFORGE_BASE_URL',
  'VIDFORGE_ENDPOINT',
  'VIDFORGE_ACCESS_KEY',
  'VIDFORGE_PROFILE',
  'VIDFORGE_RUNNER_SERVER',
  'VIDFORGE_RUNNER_TOKEN',
  'VIDFORGE_CHROMIUM',
];

/** Prefixes of families of names that are not the server's (test tooling). */
const OTHER_PREFIXES = ['VIDFORGE_TEST_'];

export function knownEnvNames(): string[] {
  const server = Object.keys(ServerConfigSchema.shape)
    .filter((key) => key !== 'media')
    .map(envName);
  return [...server, ...Object.values(MEDIA_ENV), ...OTHER_NAMES];
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** One warning per unknown `VIDFORGE_*` variable in `env`. */
export function unknownEnvWarnings(env: NodeJS.ProcessEnv): string[] {
  const known = knownEnvNames();
  const names = new Set(known);
  return Object.keys(env)
    .filter((name) => name.startsWith('VIDFORGE_') && !names.has(name))
    .filter((name) => !OTHER_PREFIXES.some((prefix) => name.startsWith(prefix)))
    .sort()
    .map((name) => {
      const [best] = known.map((k) => [k, distance(name, k)] as const).sort((x, y) => x[1] - y[1]);
      const hint = best && best[1] <= 3 ? `; did you mean ${best[0]}?` : '';
      return `${name} is not a Vidforge setting and is ignored${hint}`;
    });
}
