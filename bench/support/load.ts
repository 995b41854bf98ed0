/**
 * Closed-loop HTTP load with autocannon, bounded in time. autocannon's own histogram keeps whole
 * milliseconds, too coarse for a route that answers in 0.2 ms, so every 2xx response time (a float
 * from process.hrtime) is also kept here and the percentiles are computed from those.
 */
import autocannon, { type Result } from 'autocannon';
import { readCpuSeconds } from './processes.ts';
import { summarize } from './stats.ts';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationS: number;
  /** A first run whose figures are thrown away: JIT, connection setup, caches. */
  warmupS?: number;
  /** The server's process, to measure the CPU time it spends per response. */
  serverPid?: number;
}

export interface LoadResult {
  /** Successful responses per second. */
  rps: number;
  /** Milliseconds, successful responses only. */
  p50: number;
  p99: number;
  mean: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Server CPU time (user + system) per response, microseconds; NaN without serverPid. */
  cpuUsPerRequest: number;
}

/** Bounds the memory of one run; at 50k req/s a 10 s run stays below it. */
const MAX_SAMPLES = 1_000_000;

/** Runs for `limit.durationS` seconds, or until `limit.amount` requests were answered. */
function run(options: LoadOptions, limit: { durationS: number } | { amount: number }, samples: Float64Array | null) {
  let count = 0;
  return new Promise<{ result: Result; count: number }>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        ...(options.body === undefined ? {} : { body: options.body }),
        connections: options.connections,
        ...('amount' in limit ? { amount: limit.amount } : { duration: limit.durationS }),
        timeout: 10,
        pipelining: 1,
        // autocannon checks for the end of a run at each sample tick (1 s by default), so a 0.5 s
        // run (--quick) would last 1 s; every 50 ms it ends within 50 ms of the time asked for.
        sampleInt: 50,
      },
      (error, result) => (error ? reject(error) : resolve({ result, count })),
    );
    if (samples) {
      instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
        if (statusCode >= 200 && statusCode < 300 && count < MAX_SAMPLES) samples[count++] = responseTime;
      });
    }
  });
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.warmupS) await run(options, { durationS: options.warmupS }, null);
  const samples = new Float64Array(MAX_SAMPLES);
  const cpuBefore = options.serverPid ? readCpuSeconds(options.serverPid) : Number.NaN;
  let { result, count } = await run(options, { durationS: options.durationS }, samples);
  if (count === 0) {
    // A window so short (quick mode) or a machine so busy that no response finished inside it:
    // measure a fixed number of requests instead, so every figure exists.
    ({ result, count } = await run(options, { amount: options.connections * 4 }, samples));
  }
  const cpu = options.serverPid ? readCpuSeconds(options.serverPid) - cpuBefore : Number.NaN;
  const latency = summarize(samples.subarray(0, count));
  return {
    rps: result['2xx'] / result.duration,
    p50: latency.p50,
    p99: latency.p99,
    mean: latency.mean,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuUsPerRequest: (cpu * 1e6) / (result['2xx'] + result.non2xx),
  };
}

export interface SplitLoadOptions extends Omit<LoadOptions, 'url' | 'headers' | 'serverPid'> {
  /** Servers sharing the load: `connections` is split evenly between them, as a balancer would. */
  targets: readonly { url: string; headers?: Record<string, string> }[];
  /** Runs after the warm-up, right before the measured window: where the caller starts its CPU meters. */
  beforeMeasure?: () => Promise<void>;
}

export type SplitLoadResult = Omit<LoadResult, 'cpuUsPerRequest'> & { responses: number };

/**
 * One closed-loop load spread over several servers at once (one autocannon instance per target,
 * in this process); throughput is their sum and the percentiles are over every response. Server
 * CPU is the caller's to measure, since what counts (several processes, a database) varies.
 */
export async function runSplitLoad(options: SplitLoadOptions): Promise<SplitLoadResult> {
  const per = Math.max(1, Math.round(options.connections / options.targets.length));
  const each = (target: SplitLoadOptions['targets'][number]): LoadOptions => ({
    ...options,
    url: target.url,
    headers: target.headers ?? {},
    connections: per,
  });
  const all = (limit: { durationS: number } | { amount: number }, samples: Float64Array[] | null) =>
    Promise.all(options.targets.map((t, i) => run(each(t), limit, samples?.[i] ?? null)));
  if (options.warmupS) await all({ durationS: options.warmupS }, null);
  const samples = options.targets.map(() => new Float64Array(MAX_SAMPLES));
  await options.beforeMeasure?.();
  let runs = await all({ durationS: options.durationS }, samples);
  if (runs.some((r) => r.count === 0)) runs = await all({ amount: per * 4 }, samples);
  const merged = Float64Array.from(runs.flatMap((r, i) => Array.from(samples[i]!.subarray(0, r.count))));
  const latency = summarize(merged);
  const sum = (pick: (r: Result) => number) => runs.reduce((n, r) => n + pick(r.result), 0);
  const ok = sum((r) => r['2xx']);
  const non2xx = sum((r) => r.non2xx);
  return {
    // The instances run side by side: the window is the longest of theirs.
    rps: ok / Math.max(...runs.map((r) => r.result.duration)),
    p50: latency.p50,
    p99: latency.p99,
    mean: latency.mean,
    ok,
    non2xx,
    errors: sum((r) => r.errors + r.timeouts),
    responses: ok + non2xx,
  };
}
