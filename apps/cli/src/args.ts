/** Flag parsing on node:util parseArgs, strict: unknown flags and missing values are usage errors. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { usageError } from './cli-error.ts';
import { closest } from './suggest.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** For commands whose positional is a random base64url id (tasks, keys, runners): one in 64 starts with "-". */
export const ID_ARG = { dashPositional: /^-(?!-)[A-Za-z0-9_-]{7,}$|^--[A-Za-z0-9_-]{14,}$/ };

function isKnownFlag(token: string, options: Options): boolean {
  if (token.startsWith('--')) return token.slice(2).split('=')[0]! in options;
  return token.length === 2 && Object.values(options).some((o) => o.short === token[1]);
}

/** Stands in for a dash-led positional while parseArgs runs; cannot come from a shell argument. */
const HELD_MARK = '\u0000';
const HELD = (index: number) => `${HELD_MARK}${index}`;

/**
 * Arguments that start with a dash but are not flags, before parseArgs (which would take them for
 * flags): a value such as `--seed -1` is joined as `--seed=-1`, and an argument matching
 * `dashPositional` (ids are base64url, so one in 64 starts with "-") is held in place by a stand-in
 * that `parse` swaps back, so positionals keep their order.
 */
function protectDashArguments(argv: string[], options: Options, dashPositional: RegExp | undefined, held: string[]) {
  const out: string[] = [];
  let i = 0;
  for (; i < argv.length && argv[i] !== '--'; i++) {
    const token = argv[i]!;
    const next = argv[i + 1];
    const name = token.startsWith('--') && !token.includes('=') ? token.slice(2) : undefined;
    const takesValue = name !== undefined && options[name]?.type === 'string';
    if (takesValue && next !== undefined && next.length > 1 && next.startsWith('-') && !isKnownFlag(next, options)) {
      out.push(`${token}=${next}`);
      i++;
    } else if (dashPositional?.test(token) && !isKnownFlag(token, options)) {
      out.push(HELD(held.length));
      held.push(token);
    } else out.push(token);
  }
  return [...out, ...argv.slice(i)];
}

export function parse<O extends Options>(
  argv: string[],
  options: O,
  maxPositionals = 0,
  extra: { dashPositional?: RegExp } = {},
) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;
  try {
    const held: string[] = [];
    const args = protectDashArguments(argv, options, extra.dashPositional, held);
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    parsed.positionals = parsed.positionals.map((p) => (p.startsWith(HELD_MARK) ? held[Number(p.slice(1))]! : p));
  } catch (error) {
    throw usageError(unknownFlagMessage(error, options) ?? (error as Error).message);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw usageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`);
  }
  return parsed;
}

/** Node's text for an unknown flag talks about positionals; say what is wrong, and what was meant. */
function unknownFlagMessage(error: unknown, options: Options): string | undefined {
  if ((error as { code?: string }).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return undefined;
  const flag = /'(-[^']*)'/.exec((error as Error).message)?.[1];
  if (!flag) return undefined;
  const name = flag.replace(/^--?/, '').split('=')[0]!;
  const meant = closest(name, Object.keys(options));
  const hint = meant ? `; did you mean --${meant}?` : '';
  return `unknown flag ${flag}${hint} (see --help)`;
}
