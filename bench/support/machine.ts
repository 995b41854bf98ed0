/** The machine a run was taken on, recorded with its figures (they mean little without it). */
import { execFileSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import { pinningAvailable } from './processes.ts';

function ffmpegVersion(): string {
  try {
    const out = execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' });
    return /ffmpeg version (\S+)/.exec(out)?.[1] ?? 'unknown';
  } catch {
    return 'not found';
  }
}

export function describeMachine(): Record<string, string | number | boolean> {
  const db = new DatabaseSync(':memory:');
  const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  db.close();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    // Not availableParallelism(): that is this process's affinity, one core once pinned.
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    node: process.version,
    sqlite,
    ffmpeg: ffmpegVersion(),
    pinned: pinningAvailable(),
  };
}
