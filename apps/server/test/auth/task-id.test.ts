/**
 * Task ids (secrets.ts generateTaskId): 128 random bits behind the creation time, so that ids made
 * later sort later, in JavaScript, in SQLite and in PostgreSQL's default collation alike: the
 * primary key's inserts then land at the end of its b-tree (docs/performance.md).
 */
import { DatabaseSync } from 'node:sqlite';
import { TASK_ID_PATTERN } from '@vidforge/contract';
import { describe, expect, it } from 'vitest';
import { generateTaskId } from '../../src/modules/auth/secrets.ts';
import { adminQuery } from '../support/postgres.ts';

/** Creation times across every digit's carry: one millisecond apart, then far apart. */
const TIMES = [0, 1, 31, 32, 33, 1023, 1024, 1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000, 2 ** 50 - 1];

describe('task ids', () => {
  it('are the creation time in 10 ordered digits, then 22 characters of base64url (128 random bits)', () => {
    for (const time of TIMES) {
      const id = generateTaskId(time);
      expect(id).toMatch(/^[0-9a-v]{10}[A-Za-z0-9_-]{22}$/);
      expect(id).toMatch(TASK_ID_PATTERN);
      expect(Number.parseInt(id.slice(0, 10), 32)).toBe(time);
    }
  });

  it('made at one millisecond are all different: the random part decides', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => generateTaskId(1_700_000_000_000)));
    expect(ids.size).toBe(1000);
    expect(new Set([...ids].map((id) => id.slice(10))).size).toBe(1000);
  });

  it('refuse a time that is not epoch milliseconds', () => {
    for (const time of [-1, 1.5, Number.NaN, 2 ** 53]) expect(() => generateTaskId(time)).toThrow(RangeError);
  });

  // Shuffled, so that neither engine's order can come from insertion order.
  const made = TIMES.map((time) => ({ time, id: generateTaskId(time) })).sort(() => Math.random() - 0.5);
  const byTime = [...made].sort((a, b) => a.time - b.time).map((m) => m.id);

  it('sort by creation time as strings and in SQLite', () => {
    expect([...made].map((m) => m.id).sort()).toEqual(byTime);
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY) STRICT');
    const insert = db.prepare('INSERT INTO t (id) VALUES (?)');
    for (const { id } of made) insert.run(id);
    expect(
      db
        .prepare('SELECT id FROM t ORDER BY id')
        .all()
        .map((row) => row.id),
    ).toEqual(byTime);
    db.close();
  });

  it("sort by creation time in PostgreSQL's default collation", async () => {
    const rows = await adminQuery<{ id: string }>('SELECT id FROM unnest($1::text[]) AS id ORDER BY id', [
      made.map((m) => m.id),
    ]);
    expect(rows.map((row) => row.id)).toEqual(byTime);
  });
});
