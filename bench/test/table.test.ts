/** The table and JSON writers: shapes a reader and `biome check .` rely on. */
import { describe, expect, it } from 'vitest';
import { type Family, formatJson, formatNumber, formatRatio, ratioOf, renderTable } from '../support/table.ts';

const family: Family = {
  id: 'x',
  title: 'X',
  baseline: 'a baseline',
  notes: [],
  rows: [
    { case: 'a', metric: 'throughput', unit: 'req/s', value: 5000, baseline: 10000 },
    { case: 'b', metric: 'p99', unit: 'ms', value: 0.25, baseline: null },
    { case: 'c', metric: 'p50', unit: 'ms', value: Number.NaN, baseline: 1 },
  ],
};

describe('table', () => {
  it('renders one Markdown row per figure with Vidforge ÷ baseline', () => {
    const lines = renderTable([family]).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatch(/^\| X +\| a +\| throughput \(req\/s\) +\| +5000 \| +10000 \| +0\.50× \|$/);
    expect(lines[3]).toMatch(/\| +0\.250 \| +— \| +— \|$/);
    expect(lines[4]).toMatch(/\| +— \| +1\.00 \| +— \|$/);
  });

  it('formats figures by magnitude and leaves missing ones as a dash', () => {
    expect([1234.5, 56.78, 3.254, 0.01234, 0].map(formatNumber)).toEqual(['1235', '56.8', '3.25', '0.012', '0']);
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('—');
    expect(formatRatio(ratioOf({ case: '', metric: '', unit: '', value: 3, baseline: 0 }))).toBe('—');
    expect(formatRatio(12.345)).toBe('12.3×');
  });

  it('writes JSON laid out as biome would, with null for non-finite numbers', () => {
    const text = formatJson({ a: [1, 'two', null], b: { c: Number.NaN }, d: [{ e: 1 }], f: [], g: {} });
    expect(text).toBe(
      '{\n  "a": [1, "two", null],\n  "b": {\n    "c": null\n  },\n  "d": [\n    {\n      "e": 1\n    }\n  ],\n  "f": [],\n  "g": {}\n}',
    );
    const long = formatJson({ notes: ['x'.repeat(60), 'y'.repeat(60)] });
    expect(long).toBe(`{\n  "notes": [\n    "${'x'.repeat(60)}",\n    "${'y'.repeat(60)}"\n  ]\n}`);
    expect(JSON.parse(long)).toEqual({ notes: ['x'.repeat(60), 'y'.repeat(60)] });
  });
});
