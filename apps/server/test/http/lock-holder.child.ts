/**
 * Holds the write lock of a SQLite file, as another process (an admin command, a backup tool) can:
 * prints "locked", keeps the lock until its stdin closes, then prints "released".
 * Usage: node lock-holder.child.ts <file>
 */
import { DatabaseSync } from 'node:sqlite';

const db = new DatabaseSync(process.argv[2]!, { timeout: 10_000 });
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\n');
process.stdin.resume();
process.stdin.on('end', () => {
  db.exec('COMMIT');
  db.close();
  process.stdout.write('released\n');
});
