/**
 * The media baselines: the server is given a wrapper as its ffmpeg (VIDFORGE_FFMPEG) that records
 * each encoding command (argv, working directory and a copy of that directory's inputs) and then
 * execs the real ffmpeg. Replaying a recorded command by hand is the plain ffmpeg run doing exactly
 * the same encoding work (same filters, codec settings, size and frames). The wrapper also times
 * ffmpeg inside the server, so the task's end-to-end time minus that is what the rest of the
 * pipeline costs, measured within one run.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { nowMs } from './stats.ts';

const run = promisify(execFile);

export interface Recorded {
  args: string[];
  /** The server's work directory when it ran. */
  cwd: string;
  /** Copy of that directory taken before ffmpeg started (its inputs). */
  snapshot: string;
  /** How long it ran inside the server, seconds. */
  seconds: number;
}

export interface FfmpegRecorder {
  /** The wrapper to pass as VIDFORGE_FFMPEG. */
  wrapper: string;
  /** Encoding commands recorded since the last call, oldest first. */
  take(): Promise<Recorded[]>;
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export async function createFfmpegRecorder(dir: string): Promise<FfmpegRecorder> {
  const real = execFileSync('sh', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).trim();
  if (!real) throw new Error('ffmpeg not found on PATH');
  const logDir = join(dir, 'log');
  const wrapper = join(dir, 'ffmpeg-recorder.sh');
  // Only encodes are recorded (they carry -progress); the boot check's -version and the like pass
  // through. ffmpeg runs as the wrapper's child (not exec'd) so its own wall time can be recorded;
  // the server's group kill still reaches it.
  const q = shellQuote(real);
  await writeFile(
    wrapper,
    `#!/bin/sh
rec=
for a in "$@"; do
  if [ "$a" = "-progress" ]; then rec=1; break; fi
done
[ -z "$rec" ] && exec ${q} "$@"
d=${shellQuote(logDir)}/$(date +%s%N)-$$
mkdir -p "$d/snapshot" && cp -a . "$d/snapshot/" && pwd > "$d/cwd" && printf '%s\\0' "$@" > "$d/args"
date +%s%N > "$d/start"
${q} "$@"
rc=$?
date +%s%N > "$d/end"
exit $rc
`,
  );
  await chmod(wrapper, 0o755);
  const seen = new Set<string>();
  return {
    wrapper,
    async take() {
      let names: string[] = [];
      try {
        names = (await readdir(logDir)).sort();
      } catch {}
      const out: Recorded[] = [];
      for (const name of names.filter((n) => !seen.has(n))) {
        seen.add(name);
        const d = join(logDir, name);
        const args = (await readFile(join(d, 'args'), 'utf8')).split('\0').slice(0, -1);
        const ns = async (file: string) => BigInt((await readFile(join(d, file), 'utf8')).trim());
        out.push({
          args,
          cwd: (await readFile(join(d, 'cwd'), 'utf8')).trim(),
          snapshot: join(d, 'snapshot'),
          seconds: Number((await ns('end')) - (await ns('start'))) / 1e9,
        });
      }
      return out;
    },
  };
}

/** Runs a recorded command as plain ffmpeg in its snapshot; returns its wall time in seconds. */
export async function replay(recorded: Recorded): Promise<number> {
  const args = recorded.args.map((a) => a.replaceAll(recorded.cwd, recorded.snapshot));
  const t0 = nowMs();
  await run('ffmpeg', args, { cwd: recorded.snapshot, maxBuffer: 64 * 1024 * 1024 });
  return (nowMs() - t0) / 1000;
}
