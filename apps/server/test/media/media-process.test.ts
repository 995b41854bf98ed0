/**
 * The ffmpeg runner with real processes: timeouts and cancellation kill within a second, progress
 * is parsed, stderr is drained, and no ffmpeg outlives a SIGKILLed server.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findSetpriv, MediaProcessError, runMediaProcess } from '../../src/modules/media/media-process.ts';

const LONG_RUN = [
  ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc2=s=64x64:r=10'],
  ...['-t', '60', '-f', 'null', '-'],
];

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Live (not zombie) processes whose command line contains `marker`. */
async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = await readFile(join('/proc', entry, 'cmdline'), 'utf8');
      const stat = await readFile(join('/proc', entry, 'stat'), 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (cmdline.includes(marker) && state !== 'Z') found.push(Number(entry));
    } catch {}
  }
  return found;
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

describe('runMediaProcess', () => {
  it('spawns through setpriv --pdeathsig on this machine', () => {
    expect(findSetpriv()).not.toBeNull();
  });

  it('kills at the wall-clock timeout', async () => {
    let pid = 0;
    const started = Date.now();
    const error = await runMediaProcess('ffmpeg', LONG_RUN, { timeoutMs: 300, onSpawn: (p) => (pid = p) }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(MediaProcessError);
    expect(error.failure).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(isAlive(pid)).toBe(false);
  });

  it('an abort kills ffmpeg within a second and rejects with the reason', async () => {
    const controller = new AbortController();
    let pid = 0;
    const running = runMediaProcess('ffmpeg', LONG_RUN, {
      timeoutMs: 60_000,
      signal: controller.signal,
      onSpawn: (p) => (pid = p),
    });
    await waitFor(() => pid !== 0, 2000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isAlive(pid)).toBe(true);
    const reason = new Error('cancelled');
    const abortedAt = Date.now();
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(isAlive(pid)).toBe(false);
  });

  it('refuses to start when already aborted', async () => {
    const reason = new Error('too late');
    await expect(
      runMediaProcess('ffmpeg', LONG_RUN, { timeoutMs: 1000, signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
  });

  it('reports progress from -progress pipe:1 and keeps only the stderr tail', async () => {
    const frames: number[] = [];
    await runMediaProcess(
      'ffmpeg',
      [
        '-hide_banner',
        '-nostdin',
        '-progress',
        'pipe:1',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=s=64x64:r=24',
        '-frames:v',
        '48',
      ].concat(['-f', 'null', '-']),
      { timeoutMs: 10_000, onProgress: (p) => p.frame !== null && frames.push(p.frame) },
    );
    expect(frames.at(-1)).toBe(48);
    const failure = await runMediaProcess('ffmpeg', ['-hide_banner', '-i', '/nonexistent/input.mp4'], {
      timeoutMs: 10_000,
    }).catch((e) => e);
    expect(failure).toMatchObject({ failure: 'exit', exitCode: 1 });
    expect(failure.stderrTail).toMatch(/No such file or directory/);
  });

  it('a missing binary is a spawn failure', async () => {
    const error = await runMediaProcess('/nonexistent/ffmpeg', [], { timeoutMs: 1000 }).catch((e) => e);
    expect(error).toMatchObject({ failure: 'spawn' });
  });

  it('no ffmpeg survives its server being SIGKILLed', async () => {
    const marker = `vidforge-orphan-${process.pid}-${Date.now()}`;
    const child = spawn(process.execPath, [join(import.meta.dirname, 'orphan-child.ts'), marker], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      child.once('exit', () => reject(new Error('child exited early')));
    });
    expect(await waitFor(async () => (await processesWith(marker)).includes(pid), 2000)).toBe(true);
    child.kill('SIGKILL');
    // pdeathsig delivers SIGKILL to ffmpeg as soon as its parent dies.
    expect(await waitFor(async () => (await processesWith(marker)).length === 0, 1000)).toBe(true);
  });

  it('running out of file descriptors rejects the run; it does not end the process', async () => {
    // ulimit applies to the shell and what it execs: the child Node process alone gets the low limit.
    const script = join(import.meta.dirname, 'emfile-child.ts');
    const child = spawn('bash', ['-c', 'ulimit -n 64 && exec "$0" "$1"', process.execPath, script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(out).toMatch(/^refused:spawn:cannot start ffprobe: .*EMFILE/m);
    expect(code, out).toBe(0);
  });
});
