/**
 * The database URL as operators write it (`postgres://user:password@host:5432/vidforge?sslmode=require`),
 * checked before any connection is tried, shown without its password, and given the schema that
 * scopes one deployment (or one test).
 */

/** What a schema name may be: a plain lower-case identifier, so it needs no quoting anywhere it is used. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

/** The problem with `text` as a PostgreSQL URL, or null when it is one. Never repeats the text (it may hold a password). */
export function databaseUrlProblem(text: string): string | null {
  if (text.trim() !== text || /\s/.test(text)) return 'must not contain spaces';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE)';
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return `must start with postgres:// or postgresql:// (got ${url.protocol}//)`;
  }
  // postgres:///db?host=/run/postgresql names a Unix socket directory instead of a host.
  if (url.hostname === '' && !url.searchParams.has('host')) {
    return 'names no host (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE)';
  }
  if (url.hash !== '') return 'must not contain a #fragment';
  return null;
}

/** The URL for messages and logs: the password replaced, so it can be printed. */
export function redactDatabaseUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== '') url.password = '***';
    if (url.searchParams.has('password')) url.searchParams.set('password', '***');
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export function checkSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new DatabaseUrlError(
      `schema must be 1..48 characters of a-z 0-9 _ starting with a letter or _, got ${JSON.stringify(schema)}`,
    );
  }
}

/**
 * The URL to connect with: checked, and with `-c search_path=SCHEMA` added to the startup
 * `options`, so every connection (pooled or dedicated) is in the schema from its first statement,
 * without a SET that a pool could skip. Options the operator put in the URL are kept.
 */
export function connectionUrl(text: string, schema: string | undefined): string {
  const problem = databaseUrlProblem(text);
  if (problem) throw new DatabaseUrlError(`the database URL ${problem}`);
  if (schema === undefined) return text;
  checkSchemaName(schema);
  const url = new URL(text);
  const options = url.searchParams.get('options');
  url.searchParams.set('options', `${options ? `${options} ` : ''}-c search_path=${schema}`);
  return url.toString();
}
