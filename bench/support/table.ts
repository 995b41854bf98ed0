/**
 * The bench's one result shape: families of rows, each row one metric of one case with its baseline
 * from the same run. Printed as a Markdown table (so a run can be pasted into docs/performance.md
 * as is) and written as JSON.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface Row {
  /** What was measured, e.g. "GET task, c=16". */
  case: string;
  /** e.g. "req/s", "p99". */
  metric: string;
  unit: string;
  value: number;
  /** The same metric for the family's baseline, measured in the same run; null when it has none. */
  baseline: number | null;
}

export interface Family {
  id: string;
  title: string;
  /** What the baseline is, in words; null when the family's figures are absolute only. */
  baseline: string | null;
  rows: Row[];
  /** Anything a reader needs to interpret the rows (sample counts, settings, errors seen). */
  notes: string[];
}

export interface BenchReport {
  version: 1;
  mode: 'full' | 'quick';
  startedAt: string;
  durationSeconds: number;
  machine: Record<string, string | number | boolean>;
  families: Family[];
}

/** Vidforge ÷ baseline: above 1 means more of the metric (faster for req/s, slower for latency). */
export function ratioOf(row: Row): number | null {
  if (row.baseline === null || !Number.isFinite(row.baseline) || row.baseline === 0) return null;
  if (!Number.isFinite(row.value)) return null;
  return row.value / row.baseline;
}

export function formatNumber(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toString();
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  if (abs === 0) return '0';
  return value.toFixed(3);
}

export function formatRatio(ratio: number | null): string {
  return ratio === null ? '—' : `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

/** One Markdown table for every family, columns padded so it also reads well in a terminal. */
export function renderTable(families: readonly Family[]): string {
  const header = ['Family', 'Case', 'Metric', 'Vidforge', 'Baseline', 'Ratio'];
  const lines: string[][] = [];
  for (const family of families) {
    for (const row of family.rows) {
      lines.push([
        family.title,
        row.case,
        `${row.metric} (${row.unit})`,
        formatNumber(row.value),
        formatNumber(row.baseline),
        formatRatio(ratioOf(row)),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const numeric = new Set([3, 4, 5]);
  const render = (cells: string[]) =>
    `| ${cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [render(header), rule, ...lines.map(render)].join('\n');
}

/** What each family's baseline is and its notes, printed under the table. */
export function renderLegend(families: readonly Family[]): string {
  const out: string[] = [];
  for (const family of families) {
    out.push(`- ${family.title}: ${family.baseline ? `baseline = ${family.baseline}` : 'absolute figures'}`);
    for (const note of family.notes) out.push(`  - ${note}`);
  }
  return out.join('\n');
}

const LINE_WIDTH = 120;

/**
 * JSON laid out the way `biome format` lays it out (objects expanded, arrays of plain values on one
 * line when they fit in 120 columns), because `biome check .` also checks the untracked results.
 * NaN and Infinity are not JSON: a failed figure is written as null and shows as "—".
 */
export function formatJson(value: unknown, indent = '', used = 0, trailing = 0): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) {
      const line = `[${value.map((v) => formatJson(v)).join(', ')}]`;
      if (used + line.length + trailing <= LINE_WIDTH) return line;
    }
    const items = value.map((v, i) => inner + formatJson(v, inner, inner.length, i < value.length - 1 ? 1 : 0));
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([key, v], i) => {
    const head = `${inner}${JSON.stringify(key)}: `;
    return head + formatJson(v, inner, head.length, i < entries.length - 1 ? 1 : 0);
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

export async function writeReport(path: string, report: BenchReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const rows = (family: Family) => family.rows.map((row) => ({ ...row, ratio: ratioOf(row) }));
  const json = { ...report, families: report.families.map((f) => ({ ...f, rows: rows(f) })) };
  await writeFile(path, `${formatJson(json)}\n`);
}
