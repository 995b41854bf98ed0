/** `vidforge endpoints …` and `vidforge keys …`: operator commands on the server's database. */
import { resolve } from 'node:path';
import {
  DEFAULT_DATA_DIR,
  findDataDir,
  formatRate,
  loadConfig,
  openAdmin,
  parseConcurrency,
  parseRate,
  RATE_SPEC_HELP,
} from '@vidforge/server/admin';
import { ID_ARG, parse } from '../args.ts';
import { usageError } from '../cli-error.ts';
import { printJson, printTable } from '../output.ts';

type RateLimit = { count: number; windowSeconds: number };

export const ENDPOINTS_HELP = `vidforge endpoints create [--engine preview|runner|upstream] [--family FAMILY] [--name NAME] [--path PATH]
                          [--settings JSON] [--json]
vidforge endpoints list [--json]
vidforge endpoints delete ID_OR_PATH [--json]`;

export const KEYS_HELP = `vidforge keys create [--name NAME] [--endpoint PATH]... [LIMITS] [--json]
vidforge keys update KEY_ID LIMITS... [--json]
vidforge keys list [--json]
vidforge keys revoke KEY_ID [--json]
vidforge keys grant KEY_ID ENDPOINT_ID_OR_PATH [--json]
LIMITS (docs/limits.md): --rate RATE (submits and cancels), --poll-rate RATE (reads),
  --concurrency N (unfinished tasks at once). RATE: ${RATE_SPEC_HELP}.
  0 or unlimited: no limit for this key; default: the server's VIDFORGE_KEY_* setting.`;

const LIMIT_FLAGS = {
  rate: { type: 'string' },
  'poll-rate': { type: 'string' },
  concurrency: { type: 'string' },
} as const;

/** The limits the flags set; a flag not given leaves its limit out (unchanged, or the default). */
export function limitsFromFlags(values: { rate?: string; 'poll-rate'?: string; concurrency?: string }) {
  const limits: { rate?: RateLimit | null; pollRate?: RateLimit | null; concurrency?: number | null } = {};
  const rate = (flag: string, text: string) => {
    if (text.trim().toLowerCase() === 'default') return null;
    const parsed = parseRate(text);
    if (typeof parsed === 'string') throw usageError(`--${flag}: ${parsed}`);
    return parsed;
  };
  if (values.rate !== undefined) limits.rate = rate('rate', values.rate);
  if (values['poll-rate'] !== undefined) limits.pollRate = rate('poll-rate', values['poll-rate']);
  if (values.concurrency !== undefined) {
    if (values.concurrency.trim().toLowerCase() === 'default') limits.concurrency = null;
    else {
      const parsed = parseConcurrency(values.concurrency);
      if (typeof parsed === 'string') throw usageError(`--concurrency: ${parsed}`);
      limits.concurrency = parsed;
    }
  }
  return limits;
}

/** A key's limit as the listing shows it: its own, or `default` (the server's setting applies). */
const shownRate = (rate: RateLimit | null) => (rate === null ? 'default' : formatRate(rate));
const shownConcurrency = (n: number | null) => (n === null ? 'default' : n === 0 ? 'unlimited' : String(n));

const common = { json: { type: 'boolean' }, config: { type: 'string' } } as const;

/**
 * The configured data directory; without one, the nearest `vidforge-data` with a database from the
 * current directory up. Says on stderr when it uses one found elsewhere or is about to create one.
 */
export async function adminConfig(configFile: string | undefined) {
  const config = loadConfig({ file: configFile });
  if (config.dataDir !== DEFAULT_DATA_DIR) return config;
  const found = await findDataDir(process.cwd());
  if (found && resolve(found) !== resolve(DEFAULT_DATA_DIR)) {
    process.stderr.write(`vidforge: using the data directory ${found}\n`);
    return { ...config, dataDir: found };
  }
  if (!found) {
    process.stderr.write(
      `vidforge: warning: no Vidforge database in ${resolve(DEFAULT_DATA_DIR)} or above: creating an empty one. ` +
        "To manage a server's keys, run this where it runs or set VIDFORGE_DATA_DIR to its data directory.\n",
    );
  }
  return config;
}

async function withAdmin<T>(
  configFile: string | undefined,
  fn: (admin: Awaited<ReturnType<typeof openAdmin>>['admin']) => Promise<T>,
) {
  const handle = await openAdmin(await adminConfig(configFile));
  try {
    return await fn(handle.admin);
  } finally {
    await handle.close();
  }
}

function parseSettings(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw usageError('--settings must be a JSON object');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw usageError('--settings must be a JSON object');
  return value as Record<string, unknown>;
}

const time = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

export async function endpoints(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  if (action === 'create') {
    const { values } = parse(rest, {
      ...common,
      engine: { type: 'string' },
      name: { type: 'string' },
      path: { type: 'string' },
      settings: { type: 'string' },
      family: { type: 'string' },
    });
    // --family FAMILY is short for --engine runner --settings '{"family": FAMILY}'.
    const engine = values.engine ?? (values.family === undefined ? 'preview' : 'runner');
    if (values.family !== undefined && engine !== 'runner') throw usageError('--family is for --engine runner');
    const settings = parseSettings(values.settings);
    const endpoint = await withAdmin(values.config, (admin) =>
      admin.createEndpoint({
        engine,
        name: values.name,
        path: values.path,
        settings: values.family === undefined ? settings : { ...settings, family: values.family },
      }),
    );
    if (values.json) return printJson(endpoint);
    process.stdout.write(`Created endpoint ${endpoint.path} (engine ${endpoint.engine}, id ${endpoint.id})\n`);
  } else if (action === 'list') {
    const { values } = parse(rest, common);
    const list = await withAdmin(values.config, (admin) => admin.listEndpoints());
    if (values.json) return printJson(list);
    printTable(
      ['ID', 'PATH', 'ENGINE', 'NAME', 'CREATED'],
      list.map((e) => [e.id, e.path, e.engine, e.name ?? '-', time(e.createdAt)]),
    );
  } else if (action === 'delete') {
    const { values, positionals } = parse(rest, common, 1);
    if (!positionals[0]) throw usageError('endpoints delete needs an endpoint id or path');
    const endpoint = await withAdmin(values.config, (admin) => admin.deleteEndpoint(positionals[0]!));
    if (values.json) return printJson({ deleted: endpoint });
    process.stdout.write(`Deleted endpoint ${endpoint.path}\n`);
  } else {
    throw usageError(`usage:\n${ENDPOINTS_HELP}`);
  }
}

export async function keys(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  if (action === 'create') {
    const { values } = parse(rest, {
      ...common,
      ...LIMIT_FLAGS,
      name: { type: 'string' },
      endpoint: { type: 'string', multiple: true },
    });
    // Checked before the database is opened: a malformed limit creates nothing.
    const limits = limitsFromFlags(values);
    const { key, record } = await withAdmin(values.config, (admin) =>
      admin.createKey({ name: values.name, endpoints: values.endpoint, limits }),
    );
    if (record.endpointIds.length === 0) {
      process.stderr.write(
        `vidforge: warning: key ${record.id} may use no endpoint yet, so every call with it is refused; ` +
          `grant one: vidforge keys grant ${record.id} ENDPOINT_PATH\n`,
      );
    }
    if (values.json) return printJson({ ...record, key });
    process.stdout.write(`Created key ${record.id}\n\n  ${key}\n\nShown once: store it now. Only its hash is kept.\n`);
  } else if (action === 'list') {
    const { values } = parse(rest, common);
    const list = await withAdmin(values.config, (admin) => admin.listKeys());
    if (values.json) return printJson(list);
    printTable(
      ['ID', 'PREFIX', 'NAME', 'ENDPOINTS', 'RATE', 'POLL RATE', 'CONCURRENCY', 'CREATED', 'REVOKED'],
      list.map((k) => [
        k.id,
        `${k.prefix}…`,
        k.name ?? '-',
        String(k.endpointIds.length),
        shownRate(k.limits.rate),
        shownRate(k.limits.pollRate),
        shownConcurrency(k.limits.concurrency),
        time(k.createdAt),
        time(k.revokedAt),
      ]),
    );
  } else if (action === 'update') {
    const { values, positionals } = parse(rest, { ...common, ...LIMIT_FLAGS }, 1, ID_ARG);
    if (!positionals[0]) throw usageError('keys update needs a key id');
    const limits = limitsFromFlags(values);
    if (Object.keys(limits).length === 0) {
      throw usageError('keys update needs at least one of --rate, --poll-rate, --concurrency');
    }
    const record = await withAdmin(values.config, (admin) => admin.updateKeyLimits(positionals[0]!, limits));
    if (values.json) return printJson(record);
    process.stdout.write(
      `Key ${record.id}: rate ${shownRate(record.limits.rate)}, poll rate ${shownRate(record.limits.pollRate)}, ` +
        `concurrency ${shownConcurrency(record.limits.concurrency)}\n`,
    );
  } else if (action === 'revoke') {
    const { values, positionals } = parse(rest, common, 1, ID_ARG);
    if (!positionals[0]) throw usageError('keys revoke needs a key id');
    await withAdmin(values.config, (admin) => admin.revokeKey(positionals[0]!));
    if (values.json) return printJson({ revoked: positionals[0] });
    process.stdout.write(`Revoked key ${positionals[0]}\n`);
  } else if (action === 'grant') {
    const { values, positionals } = parse(rest, common, 2, ID_ARG);
    if (positionals.length !== 2) throw usageError('keys grant needs a key id and an endpoint id or path');
    const endpoint = await withAdmin(values.config, (admin) => admin.grant(positionals[0]!, positionals[1]!));
    if (values.json) return printJson({ keyId: positionals[0], endpointId: endpoint.id, endpointPath: endpoint.path });
    process.stdout.write(`Key ${positionals[0]} may now use endpoint ${endpoint.path}\n`);
  } else {
    throw usageError(`usage:\n${KEYS_HELP}`);
  }
}
