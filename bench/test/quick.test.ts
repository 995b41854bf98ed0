/**
 * Keeps the harness from rotting: runs `npm run bench -- --quick` in-process and checks the table's
 * shape and that every row has its numbers. Timings are not asserted: they belong to the machine.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../main.ts';
import { renderTable } from '../support/table.ts';

describe('bench --quick', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('measures every family and gives every row its figures', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-test-'));
    const out = join(dir, 'quick.json');
    const { report, failures } = await runBench({ quick: true, out, log: () => {} });

    expect(failures).toEqual([]);
    expect(report.mode).toBe('quick');
    expect(report.families.map((f) => f.id)).toEqual([
      'api',
      'limits',
      'sse',
      'dispatch',
      'queue',
      'media',
      'memory',
      'durability',
      'fleet',
    ]);
    for (const family of report.families) {
      expect(family.rows.length, family.id).toBeGreaterThan(0);
      for (const row of family.rows) {
        const where = `${family.id}: ${row.case} ${row.metric}`;
        expect(Number.isFinite(row.value), where).toBe(true);
        expect(row.value, where).toBeGreaterThanOrEqual(0);
        if (family.baseline !== null && row.baseline !== null) expect(Number.isFinite(row.baseline), where).toBe(true);
      }
    }
    // Families with a baseline give at least one ratio.
    for (const family of report.families.filter((f) => f.baseline !== null)) {
      expect(
        family.rows.some((r) => r.baseline !== null),
        family.id,
      ).toBe(true);
    }

    const rowCount = report.families.reduce((n, f) => n + f.rows.length, 0);
    const table = renderTable(report.families).split('\n');
    expect(table).toHaveLength(2 + rowCount);
    // Right-aligned: a ratio of 100× or more ("123.4×") widens the column, and the header with it.
    expect(table[0]).toMatch(/^\| Family .*\| +Ratio \|$/);

    const written = JSON.parse(await readFile(out, 'utf8'));
    expect(written.families.flatMap((f: any) => f.rows)).toHaveLength(rowCount);
    expect(written.machine.cores).toBeGreaterThan(0);
  }, 180_000);
});
