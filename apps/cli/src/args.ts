/** Flag parsing on node:util parseArgs, strict: unknown flags and missing values are usage errors. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { usageError } from './cli-error.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `--seed -1` as `--seed=-1`: parseArgs alone takes a value starting with a dash for a forgotten
 * value, but negative numbers are ordinary values of string options.
 */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const next = argv[i + 1];
    const name = token.startsWith('--') ? token.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${token}=${next}`);
      i++;
    } else out.push(token);
  }
  return out;
}

export function parse<O extends Options>(argv: string[], options: O, maxPositionals = 0) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError((error as Error).message);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw usageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`);
  }
  return parsed;
}
