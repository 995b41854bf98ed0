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
