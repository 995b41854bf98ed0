/** Flag parsing on node:util parseArgs, strict: unknown flags and missing values are usage errors. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { usageError } from './cli-error.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

function isKnownFlag(token: string, options: Options): boolean {
  if (token.startsWith('--')) return token.slice(2).split('=')[0]! in options;
  return token.length === 2 && Object.values(options).some((o) => o.short === token[1]);
}

/**
 * Arguments that start with a dash but are not flags, before parseArgs (which would take them for
 * flags): a value such as `--seed -1` is joined as `--seed=-1`, and an argument matching
 * `dashPositional` (task ids are base64url, so one in 64 starts with "-") is passed after `--`.
 */
function protectDashArguments(argv: string[], options: Options, dashPositional?: RegExp): string[] {
  const out: string[] = [];
  const positionals: string[] = [];
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
      positionals.push(token);
    } else out.push(token);
  }
  const rest = argv.slice(i + 1);
  return positionals.length > 0 || i < argv.length ? [...out, '--', ...positionals, ...rest] : out;
}

export function parse<O extends Options>(
  argv: string[],
  options: O,
  maxPositionals = 0,
  extra: { dashPositional?: RegExp } = {},
) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;
  try {
    const args = protectDashArguments(argv, options, extra.dashPositional);
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError((error as Error).message);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw usageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`);
  }
  return parsed;
}
