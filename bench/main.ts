/**
 * `npm run bench [-- --quick] [-- --only=api,queue] [-- --profile[=DIR]] [-- --out=FILE]`
 *
 * Measures Vidforge against baselines taken in the same run on the same machine and prints one
 * table of absolute figures and ratios, so a change in speed shows on any machine however noisy.
 * The full run takes a few minutes on two cores; --quick is a smoke run of every row in well under
 * a minute.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { apiFamily } from './families/api.ts';
import { dispatchFamily } from './families/dispatch.ts';
import { durabilityFamily } from './families/durability.ts';
import { fleetFamily } from './families/fleet.ts';
import { limitsFamily } from './families/limits.ts';
import { mediaFamily } from './families/media.ts';
import { memoryFamily } from './families/memory.ts';
import { queueFamily } from './families/queue.ts';
import { sseFamily } from './families/sse.ts';
import type { BenchContext } from './support/context.ts';
import { describeMachine } from './support/machine.ts';
import { LOAD_CPU, pinSelf } from './support/processes.ts';
import { type BenchReport, type Family, renderLegend, renderTable, writeReport } from './support/table.ts';

const FAMILIES: Record<string, (ctx: BenchContext) => Promise<Family>> = {
  api: apiFamily,
  limits: limitsFamily,
  sse: sseFamily,
  dispatch: dispatchFamily,
  queue: queueFamily,
  media: mediaFamily,
  memory: memoryFamily,
  durability: durabilityFamily,
  fleet: fleetFamily,
};

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

export interface BenchOptions {
  quick: boolean;
  only?: string[];
  profileDir?: string | null;
  out?: string;
  log?: (message: string) => void;
}

export async function runBench(options: BenchOptions): Promise<{ report: BenchReport; failures: string[] }> {
  const log = options.log ?? ((message: string) => process.stderr.write(`[bench] ${message}\n`));
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const unknown = (options.only ?? []).filter((id) => !(id in FAMILIES));
  if (unknown.length > 0) throw new Error(`unknown families ${unknown.join(', ')}; known: ${Object.keys(FAMILIES)}`);
  // The load generator (this process and its threads) on one core, the servers on the other.
  const pinned = pinSelf(LOAD_CPU);
  const workDir = await mkdtemp(join(tmpdir(), 'vidforge-bench-'));
  const ctx: BenchContext = { quick: options.quick, workDir, profileDir: options.profileDir ?? null, log };
  const families: Family[] = [];
  const failures: string[] = [];
  try {
    for (const [id, measure] of Object.entries(FAMILIES)) {
      if (options.only && !options.only.includes(id)) continue;
      const t0 = performance.now();
      try {
        families.push(await measure(ctx));
        log(`${id}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      } catch (error) {
        // One broken family must not lose the others' figures; the run still fails at the end.
        failures.push(`${id}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        log(`${id}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const report: BenchReport = {
    version: 1,
    mode: options.quick ? 'quick' : 'full',
    startedAt,
    durationSeconds: Math.round((performance.now() - started) / 100) / 10,
    machine: { ...describeMachine(), loadGeneratorPinned: pinned },
    families,
  };
  const out = options.out ?? join(RESULTS, options.quick ? 'quick.json' : 'latest.json');
  await writeReport(out, report);
  log(`wrote ${out}`);
  return { report, failures };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    // A bare --profile means the default directory; parseArgs wants a value for a string option.
    args: process.argv.slice(2).map((arg) => (arg === '--profile' ? '--profile=' : arg)),
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      profile: { type: 'string' },
      out: { type: 'string' },
    },
    allowNegative: false,
  });
  const profileDir = values.profile === undefined ? null : values.profile || join(RESULTS, 'profiles');
  const { report, failures } = await runBench({
    quick: values.quick,
    ...(values.only ? { only: values.only.split(',') } : {}),
    profileDir,
    ...(values.out ? { out: values.out } : {}),
  });
  const m = report.machine;
  console.log(
    `\nVidforge bench (${report.mode}), ${report.startedAt}, ${report.durationSeconds} s — ${m.cpu}, ${m.cores} cores, ` +
      `${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, SQLite ${m.sqlite}, ffmpeg ${m.ffmpeg}` +
      `${m.pinned ? ', servers on core 1, load generator on core 0' : ', not pinned (no taskset or one core)'}\n`,
  );
  console.log(renderTable(report.families));
  console.log(`\nRatio = Vidforge ÷ baseline.\n${renderLegend(report.families)}`);
  if (failures.length > 0) {
    console.error(`\n${failures.length} famil${failures.length === 1 ? 'y' : 'ies'} failed:\n${failures.join('\n\n')}`);
    process.exitCode = 1;
  }
}
