/** `vidforge login` / `vidforge logout`: the profile file that client commands fall back on. */
import { parse } from '../args.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { checkBaseUrl, clientFor } from '../client/connection.ts';
import { fail } from '../client/errors.ts';
import { profilePath, readProfiles, writeProfiles } from '../client/profile-file.ts';
import { ask, readPipedLine } from '../client/prompt.ts';
import { outputMode } from '../client/report.ts';
import { printJson } from '../output.ts';

export const LOGIN_HELP = `vidforge login [--base-url URL] [--endpoint PATH] [--profile NAME] [--no-verify]
vidforge logout [--profile NAME]`;

const LOGIN_DETAILS = `Saves a connection to $XDG_CONFIG_HOME/vidforge/config.json (or ~/.config/vidforge/config.json),
mode 0600. Values not given as flags come from VIDFORGE_BASE_URL, VIDFORGE_ENDPOINT and
VIDFORGE_ACCESS_KEY, else are asked for (the key without echo); a key can also be piped on stdin:
  printf %s "$KEY" | vidforge login --base-url http://localhost:8080/v1/ai --endpoint PATH
The key is checked against the server first (skip with --no-verify) and is never printed.`;

/** What `vidforge login --help` (and logout) prints. */
export const LOGIN_USAGE = `${LOGIN_HELP}\n\n${LOGIN_DETAILS}`;

export async function login(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    'base-url': { type: 'string' },
    endpoint: { type: 'string' },
    key: { type: 'string' },
    profile: { type: 'string' },
    'no-verify': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return void process.stdout.write(`${LOGIN_USAGE}\n`);
  const mode = outputMode(values.json);
  const env = process.env;
  const interactive = process.stdin.isTTY === true;
  const baseUrl =
    values['base-url'] ?? env.VIDFORGE_BASE_URL ?? (interactive ? await ask('Base URL (…/v1/ai): ') : undefined);
  const endpoint = values.endpoint ?? env.VIDFORGE_ENDPOINT ?? (interactive ? await ask('Endpoint path: ') : undefined);
  const accessKey =
    values.key ??
    env.VIDFORGE_ACCESS_KEY ??
    (interactive ? await ask('Access key: ', { hidden: true }) : await readPipedLine());
  if (!baseUrl || !endpoint || !accessKey) {
    throw new CliError('login needs a base URL, an endpoint and an access key (see vidforge login --help)', EXIT.usage);
  }
  checkBaseUrl(baseUrl);
  const connection = { baseUrl: baseUrl.replace(/\/+$/, ''), endpoint, accessKey };
  if (!values['no-verify']) {
    try {
      await clientFor(connection).listTasksPage({ limit: 1 });
    } catch (error) {
      fail(mode, error);
    }
  }
  const name = values.profile ?? env.VIDFORGE_PROFILE ?? 'default';
  const path = profilePath(env);
  const file = await readProfiles(path);
  file.profiles[name] = connection;
  await writeProfiles(path, file);
  if (mode.machine) return printJson({ profile: name, path, baseUrl: connection.baseUrl, endpoint });
  process.stdout.write(`Saved profile "${name}" (${connection.baseUrl}, endpoint ${endpoint}) to ${path}\n`);
}

export async function logout(argv: string[]): Promise<void> {
  const { values } = parse(argv, { profile: { type: 'string' }, json: { type: 'boolean' } });
  const name = values.profile ?? process.env.VIDFORGE_PROFILE ?? 'default';
  const path = profilePath();
  const file = await readProfiles(path);
  const existed = name in file.profiles;
  delete file.profiles[name];
  if (existed) await writeProfiles(path, file);
  if (outputMode(values.json).machine) return printJson({ profile: name, removed: existed });
  process.stdout.write(existed ? `Removed profile "${name}" from ${path}\n` : `No profile "${name}" in ${path}\n`);
}
