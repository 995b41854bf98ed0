/**
 * Cancelling a running preview task: the engine's ffmpeg (found by its working directory, the
 * task's work directory) is gone within a second, and the run rejects with the abort reason.
 */
import { readdir, readlink } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRequest, removeWorkDirs, runPreview } from './preview-helpers.ts';

afterAll(removeWorkDirs);

/** Processes whose current directory is `dir`. */
async function processesIn(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readlink(`/proc/${entry}/cwd`)) === dir) found.push(Number(entry));
    } catch {}
  }
  return found;
}

describe('preview abort', () => {
  it('kills ffmpeg within a second of the abort', async () => {
    const controller = new AbortController();
    let workDir = '';
    const running = runPreview(generateRequest('a long scene to cancel', { duration: 8, seed: 9 }), {
      signal: controller.signal,
      onWorkDir: (dir) => (workDir = dir),
    });
    // Wait until ffmpeg runs in the task's work directory.
    let pids: number[] = [];
    for (let i = 0; i < 200 && pids.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (workDir) pids = await processesIn(workDir);
    }
    expect(pids.length).toBe(1);
    const reason = new Error('cancelled by the caller');
    const abortedAt = Date.now();
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(await processesIn(workDir)).toEqual([]);
  });
});
