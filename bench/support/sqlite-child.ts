/**
 * Child entry: the storage floor. The write transactions a task needs at the least (insert on
 * submit, update on claim, update on completion), each its own commit, in a tight synchronous loop
 * on raw node:sqlite with the server's pragmas (WAL, the given synchronous mode). No HTTP, no
 * queue, no ORM: what the disk and SQLite alone allow on this machine.
 *
 * argv: <dir> <NORMAL|FULL> <commits per task: 1 or 3> <seconds>
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const [dir, mode, perTaskText, secondsText] = process.argv.slice(2);
if (!dir || (mode !== 'NORMAL' && mode !== 'FULL'))
  throw new Error('usage: sqlite-child <dir> <NORMAL|FULL> <1|3> <s>');
const perTask = Number(perTaskText);
const seconds = Number(secondsText);

const db = new DatabaseSync(join(dir, `floor-${mode}-${perTask}.db`));
db.exec('PRAGMA journal_mode = WAL');
db.exec(`PRAGMA synchronous = ${mode}`);
db.exec(`CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY, status TEXT NOT NULL, request TEXT NOT NULL, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL) STRICT`);
const insert = db.prepare("INSERT INTO tasks VALUES (?, 'PENDING', ?, ?, ?)");
const claim = db.prepare("UPDATE tasks SET status = 'IN_PROGRESS', updated_at = ? WHERE id = ?");
const complete = db.prepare("UPDATE tasks SET status = 'SUCCESS', updated_at = ? WHERE id = ?");
const request = JSON.stringify({ prompt: 'A sunset over the ocean.', settings: { seed: 42, duration: 4 } });

const start = performance.now();
const end = start + seconds * 1000;
let tasks = 0;
while (performance.now() < end) {
  const id = `t${process.pid}-${tasks}`;
  const now = Date.now();
  insert.run(id, request, now, now);
  if (perTask === 3) {
    claim.run(now, id);
    complete.run(now, id);
  }
  tasks++;
}
const elapsed = (performance.now() - start) / 1000;
db.close();
process.send?.({ type: 'result', tasksPerSecond: tasks / elapsed });
process.exit(0);
