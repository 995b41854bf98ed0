/** `vidforge migrate`: brings the configured database (SQLite file or PostgreSQL) to this version's schema. */
import { loadConfig, migrateDatabase } from '@vidforge/server/admin';
import { parse } from '../args.ts';
import { printJson } from '../output.ts';
import { adminConfig } from './admin.ts';

export const MIGRATE_HELP = `vidforge migrate [--json]    apply pending database migrations (VIDFORGE_DATABASE_URL, or the SQLite file)`;

const step = (m: { version: number; name: string }) => `${String(m.version).padStart(3, '0')}_${m.name}`;

export async function migrate(argv: string[]): Promise<void> {
  const { values } = parse(argv, { json: { type: 'boolean' }, config: { type: 'string' } });
  // PostgreSQL is named by its URL; only the SQLite file is looked for from the current directory up.
  const base = loadConfig({ file: values.config });
  const config = base.databaseUrl ? base : await adminConfig(values.config);
  const report = await migrateDatabase(config);
  if (values.json) return printJson(report);
  if (report.applied.length === 0) {
    process.stdout.write(`${report.target}: schema version ${report.version}, nothing to apply\n`);
    return;
  }
  for (const m of report.applied) process.stdout.write(`applied ${step(m)}\n`);
  process.stdout.write(`${report.target}: schema version ${report.version}\n`);
}
