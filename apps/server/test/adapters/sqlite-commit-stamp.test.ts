/**
 * The commit stamp (adapters/sqlite/commit-stamp.ts) and the memo built on it (adapters/sql/
 * commit-memo.ts): reads whose stamp is unchanged skip their statement, so the stamp must move with
 * every commit, whoever makes it (this handle, another connection, another process), and sharing
 * the -shm descriptor must never drop the locks SQLite holds on that file.
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqlAdapters } from '../../src/adapters/sql/adapters.ts';
import { createCommitMemo } from '../../src/adapters/sql/commit-memo.ts';
import { openSqlite } from '../../src/adapters/sqlite/index.ts';
import { tempDir } from '../support/temp-dir.ts';

const execFileAsync = promisify(execFile);

let dir: Awaited<ReturnType<typeof tempDir>>;
let file: string;
beforeEach(async () => {
  dir = await tempDir('vidforge-commit-stamp-');
  file = join(dir.path, 'vidforge.db');
});
afterEach(() => dir.remove());

/** Runs `sqlText` on the database from a separate Node process, as the `vidforge` CLI would. */
async function inAnotherProcess(sqlText: string): Promise<void> {
  const script = `const { DatabaseSync } = require('node:sqlite');
    const db = new DatabaseSync(process.argv[1], { timeout: 5000 });
    db.exec(process.argv[2]);
    db.close();`;
  await execFileAsync(process.execPath, ['-e', script, file, sqlText]);
}

/** The POSIX locks this process holds on `path` (from /proc/locks, by device and inode). */
function locksHeldOn(path: string): string[] {
  const { dev, ino } = statSync(path);
  // /proc/locks names the device as major:minor in hex.
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  const device = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${ino}`;
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .filter((line) => line.includes(` ${process.pid} `) && line.includes(device));
}

describe('the commit stamp of an SQLite file', () => {
  it('stays the same across reads and moves with every commit, from this handle, another connection or another process', async () => {
    const handle = openSqlite({ file });
    const { access } = createSqlAdapters(handle);
    const stamp = () => handle.commitStamp?.() ?? null;
    const first = stamp();
    expect(first).not.toBeNull();
    await access.accessVersion();
    await access.listKeys();
    expect(stamp()).toBe(first);

    await handle.db.updateTable('access_version').set({ version: 41 }).where('id', '=', 1).execute();
    const afterOwn = stamp();
    expect(afterOwn).not.toBe(first);

    const other = new DatabaseSync(file);
    other.exec('UPDATE access_version SET version = 42 WHERE id = 1');
    other.close();
    const afterConnection = stamp();
    expect(afterConnection).not.toBe(afterOwn);

    await inAnotherProcess('UPDATE access_version SET version = 43 WHERE id = 1');
    expect(stamp()).not.toBe(afterConnection);
    await handle.close();
    expect(handle.commitStamp?.()).toBeNull();
  });

  it('gives the very next version read a change committed by another process, with no statement while nothing changed', async () => {
    const handle = openSqlite({ file });
    const { access, ledger } = createSqlAdapters(handle);
    const before = await access.accessVersion();
    const withTask = await access.accessVersionWithTask('nosuchtask');
    expect(withTask).toEqual({ access: before, taskRowVersion: null });
    // Unchanged stamp: the same answer without a statement (the object itself is kept).
    expect(await access.accessVersionWithTask('nosuchtask')).toBe(withTask);

    await inAnotherProcess('UPDATE access_version SET version = version + 1 WHERE id = 1');
    expect(await access.accessVersion()).toBe(before + 1);
    expect((await access.accessVersionWithTask('nosuchtask')).access).toBe(before + 1);
    expect(await ledger.rowVersion('nosuchtask')).toBeNull();
    await handle.close();
  });

  it('shares one descriptor per file: closing one handle keeps the locks SQLite holds for the other', async () => {
    const a = openSqlite({ file });
    const b = openSqlite({ file });
    await b.db.selectFrom('access_version').select('version').execute();
    const held = locksHeldOn(`${file}-shm`);
    // SQLite holds a shared lock on the -shm for as long as a connection uses it.
    expect(held.length).toBeGreaterThan(0);
    await a.close();
    expect(locksHeldOn(`${file}-shm`)).toEqual(held);

    await inAnotherProcess('UPDATE access_version SET version = 7 WHERE id = 1');
    const { access } = createSqlAdapters(b);
    expect(await access.accessVersion()).toBe(7);
    await b.close();
  });

  it('gives no stamp to a handle on a file that replaced one another handle still has open', async () => {
    const old = openSqlite({ file });
    await rm(file);
    await rm(`${file}-wal`, { force: true });
    await rm(`${file}-shm`, { force: true });
    const fresh = openSqlite({ file });
    expect(fresh.commitStamp?.()).toBeNull();
    // Its reads run their statements, so a commit by another process shows at once.
    const { access } = createSqlAdapters(fresh);
    const before = await access.accessVersion();
    await inAnotherProcess('UPDATE access_version SET version = version + 1 WHERE id = 1');
    expect(await access.accessVersion()).toBe(before + 1);
    // The old handle keeps its own file's stamp.
    expect(old.commitStamp?.()).not.toBeNull();
    await old.close();
    await fresh.close();
  });

  it('is absent for an in-memory database', async () => {
    const handle = openSqlite({ file: ':memory:' });
    expect(handle.commitStamp).toBeUndefined();
    await handle.close();
  });
});

describe('the commit memo', () => {
  it('loads once per stamp and key, and again after the stamp moves', async () => {
    let current: string | null = 's1';
    let loads = 0;
    const memo = createCommitMemo({ commitStamp: () => current });
    const load = async () => ++loads;
    expect(await memo('k', load)).toBe(1);
    expect(await memo('k', load)).toBe(1);
    expect(await memo('other', load)).toBe(2);
    current = 's2';
    expect(await memo('k', load)).toBe(3);
    // A stamp that cannot be read: every read runs its statement.
    current = null;
    expect(await memo('k', load)).toBe(4);
    expect(await memo('k', load)).toBe(5);
  });

  it('does not keep a read that started under an older stamp than the one now held', async () => {
    let current = 's1';
    const memo = createCommitMemo({ commitStamp: () => current });
    let finishSlow!: (value: string) => void;
    const slow = memo('k', () => new Promise<string>((resolve) => (finishSlow = resolve)));
    current = 's2';
    expect(await memo('k', async () => 'new')).toBe('new');
    finishSlow('old');
    expect(await slow).toBe('old');
    // The older read did not replace the value kept for s2.
    expect(await memo('k', async () => 'unexpected load')).toBe('new');
  });

  it('without a stamp function, runs every load', async () => {
    let loads = 0;
    const memo = createCommitMemo({});
    await memo('k', async () => ++loads);
    await memo('k', async () => ++loads);
    expect(loads).toBe(2);
    expect(memo.peek('k')).toBeUndefined();
  });

  it('peeks at what a read would return, only while the stamp that read it stands', async () => {
    let current: string | null = 's1';
    const memo = createCommitMemo({ commitStamp: () => current });
    expect(memo.peek('k')).toBeUndefined();
    await memo('k', async () => 'v1');
    expect(memo.peek('k')).toBe('v1');
    expect(memo.peek('other')).toBeUndefined();
    current = 's2';
    expect(memo.peek('k')).toBeUndefined();
    // Moving back to a stamp seen before is no proof of anything: the values were dropped.
    await memo('k', async () => 'v2');
    current = 's1';
    expect(memo.peek('k')).toBeUndefined();
    current = null;
    expect(memo.peek('k')).toBeUndefined();
  });

  it('peeks at nothing on a real file after any commit, from this connection or another', async () => {
    const handle = openSqlite({ file });
    const other = new DatabaseSync(file);
    try {
      const memo = createCommitMemo(handle);
      const load = async () => 'read';
      await memo('k', load);
      expect(memo.peek('k')).toBe('read');
      other.exec('UPDATE access_version SET version = version + 1 WHERE id = 1');
      expect(memo.peek('k')).toBeUndefined();
      await memo('k', load);
      expect(memo.peek('k')).toBe('read');
      await sql`UPDATE access_version SET version = version + 1 WHERE id = 1`.execute(handle.db);
      expect(memo.peek('k')).toBeUndefined();
    } finally {
      other.close();
      await handle.close();
    }
  });
});
