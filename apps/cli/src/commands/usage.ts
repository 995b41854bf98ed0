/**
 * `vidforge usage`: tasks by outcome, seconds of video produced and engine time, per UTC day,
 * access key, endpoint and operation, from the server's database (docs/cli.md, "usage").
 */
import type { UsageRow } from '@vidforge/server/admin';
import { parse } from '../args.ts';
import { usageError } from '../cli-error.ts';
import { printJson, printTable } from '../output.ts';
import { adminConfig } from './admin.ts';

export const USAGE_HELP = `vidforge usage [--key KEY_ID] [--endpoint ID_OR_PATH] [--since DATE] [--until DATE] [--json]
  Finished tasks (succeeded, failed, cancelled), seconds of video produced and engine time
  (every attempt's run time) per UTC day, key, endpoint and operation. DATE: YYYY-MM-DD (UTC),
  both ends included; without them, every day recorded.`;

/** A calendar date as YYYY-MM-DD, or a message saying what is wrong with it. */
export function parseDay(flag: string, text: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!match || !date || date.toISOString().slice(0, 10) !== text.trim()) {
    throw usageError(`--${flag}: "${text.slice(0, 40)}" is not a date; expected YYYY-MM-DD (UTC), e.g. 2026-12-01`);
  }
  return text.trim();
}

interface Line {
  day: string;
  key: string;
  endpoint: string;
  type: string;
  succeeded: number;
  failed: number;
  cancelled: number;
  videoSeconds: number;
  engineMs: number;
}

/** One line per day, key, endpoint and operation, with the outcomes side by side. */
export function usageLines(rows: UsageRow[]): Line[] {
  const lines = new Map<string, Line>();
  for (const row of rows) {
    const id = [row.day, row.keyId, row.endpointId, row.type].join('\n');
    let line = lines.get(id);
    if (!line) {
      line = {
        day: row.day,
        key: row.keyName ? `${row.keyId} (${row.keyName})` : row.keyId,
        endpoint: row.endpointPath ?? `${row.endpointId} (deleted)`,
        type: row.type,
        succeeded: 0,
        failed: 0,
        cancelled: 0,
        videoSeconds: 0,
        engineMs: 0,
      };
      lines.set(id, line);
    }
    line[row.outcome] += row.tasks;
    line.videoSeconds += row.videoSeconds;
    line.engineMs += row.engineMs;
  }
  return [...lines.values()];
}

const seconds = (value: number) => (Math.round(value * 10) / 10).toFixed(1);

export async function usage(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    json: { type: 'boolean' },
    config: { type: 'string' },
    key: { type: 'string' },
    endpoint: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
  });
  // Checked before the database is opened.
  const since = values.since === undefined ? undefined : parseDay('since', values.since);
  const until = values.until === undefined ? undefined : parseDay('until', values.until);
  if (since && until && since > until) throw usageError(`--since ${since} is after --until ${until}`);
  const { openAdmin } = await import('@vidforge/server/admin');
  const handle = await openAdmin(await adminConfig(values.config));
  let rows: UsageRow[];
  try {
    rows = await handle.admin.usage({ keyId: values.key, endpoint: values.endpoint, since, until });
  } finally {
    await handle.close();
  }
  const lines = usageLines(rows);
  const total = lines.reduce(
    (sum, l) => ({
      succeeded: sum.succeeded + l.succeeded,
      failed: sum.failed + l.failed,
      cancelled: sum.cancelled + l.cancelled,
      videoSeconds: sum.videoSeconds + l.videoSeconds,
      engineSeconds: sum.engineSeconds + l.engineMs / 1000,
    }),
    { succeeded: 0, failed: 0, cancelled: 0, videoSeconds: 0, engineSeconds: 0 },
  );
  if (values.json) {
    return printJson({
      since: since ?? null,
      until: until ?? null,
      rows: rows.map(({ engineMs, ...row }) => ({ ...row, engineSeconds: engineMs / 1000 })),
      total,
    });
  }
  if (lines.length === 0) {
    process.stdout.write('No finished tasks recorded for this selection.\n');
    return;
  }
  const figures = (l: { succeeded: number; failed: number; cancelled: number; videoSeconds: number }) => [
    String(l.succeeded),
    String(l.failed),
    String(l.cancelled),
    seconds(l.videoSeconds),
  ];
  printTable(
    ['DAY (UTC)', 'KEY', 'ENDPOINT', 'TYPE', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'VIDEO (s)', 'ENGINE (s)'],
    [
      ...lines.map((l) => [l.day, l.key, l.endpoint, l.type, ...figures(l), seconds(l.engineMs / 1000)]),
      ['total', '', '', '', ...figures(total), seconds(total.engineSeconds)],
    ],
  );
}
