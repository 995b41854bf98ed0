/** What every measurement family receives: the mode, a scratch directory, and where to log progress. */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';

export interface BenchContext {
  /** Smoke mode: the same rows with short runs and small inputs, in under a minute. */
  quick: boolean;
  /** Scratch directory of this run; removed at the end. */
  workDir: string;
  /** When set, every Vidforge server child runs with --cpu-prof and writes its profile here. */
  profileDir: string | null;
  log(message: string): void;
}

/** A fresh directory under the run's scratch directory. */
export function scratchDir(ctx: BenchContext, name: string): Promise<string> {
  return mkdtemp(join(ctx.workDir, `${name}-`));
}

/** Picks the full-mode or quick-mode value of a setting. */
export function pick<T>(ctx: BenchContext, full: T, quick: T): T {
  return ctx.quick ? quick : full;
}
