/**
 * The text form of a rate, shared by the configuration (VIDFORGE_KEY_RATE …) and the CLI
 * (`--rate 60/min`): COUNT/WINDOW, where WINDOW is a unit (s, min, h, day) optionally preceded by a
 * number of them (`100/10s`, `1000/2h`). `0` and `unlimited` mean no limit. Parsing never throws:
 * it returns a sentence for the operator, since both callers collect problems to report at once.
 */
import type { RateLimit } from '../../ports/access-store.ts';

export const MAX_RATE_COUNT = 1_000_000;
/** A day: longer windows would let one burst spend a budget meant to pace a client. */
export const MAX_RATE_WINDOW_S = 86_400;
/** Anything longer is not a rate, and is not echoed back whole in the message either. */
const MAX_SPEC_LENGTH = 32;

const UNITS: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  m: 60,
  min: 60,
  minute: 60,
  h: 3600,
  hour: 3600,
  d: 86_400,
  day: 86_400,
};

/** The count 0 stands for "unlimited" in records and the database (ports/access-store.ts). */
export const UNLIMITED_RATE: RateLimit = { count: 0, windowSeconds: 1 };

const SPEC = /^([0-9]{1,7})\/([0-9]{1,5})?([a-z]{1,6})$/;

export const RATE_SPEC_HELP = 'COUNT/WINDOW such as 60/min, 10/s, 100/10s or 5000/day; 0 or unlimited for none';

export function parseRate(text: string): RateLimit | string {
  const spec = text.trim().toLowerCase();
  const shown = JSON.stringify(text.length > MAX_SPEC_LENGTH ? `${text.slice(0, MAX_SPEC_LENGTH)}…` : text);
  if (spec.length > MAX_SPEC_LENGTH) return `${shown} is too long for a rate; expected ${RATE_SPEC_HELP}`;
  if (spec === '0' || spec === 'unlimited') return UNLIMITED_RATE;
  const match = SPEC.exec(spec);
  if (!match) return `${shown} is not a rate; expected ${RATE_SPEC_HELP}`;
  const [, countText, multipleText, unit] = match as unknown as [string, string, string | undefined, string];
  const unitSeconds = UNITS[unit];
  if (unitSeconds === undefined) return `${shown}: unknown unit "${unit}"; use s, min, h or day`;
  const count = Number(countText);
  const multiple = multipleText === undefined ? 1 : Number(multipleText);
  if (count === 0) return UNLIMITED_RATE;
  if (count > MAX_RATE_COUNT) return `${shown}: at most ${MAX_RATE_COUNT} requests per window`;
  if (multiple === 0) return `${shown}: the window must be at least 1 second`;
  const windowSeconds = multiple * unitSeconds;
  if (windowSeconds > MAX_RATE_WINDOW_S) return `${shown}: the window must be at most a day`;
  return { count, windowSeconds };
}

/** The inverse of parseRate, in the largest whole unit: `60/min`, `100/10s`, `unlimited`. */
export function formatRate(rate: RateLimit): string {
  if (rate.count === 0) return 'unlimited';
  for (const [unit, seconds] of [
    ['day', 86_400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ] as const) {
    if (rate.windowSeconds % seconds === 0) {
      const multiple = rate.windowSeconds / seconds;
      return `${rate.count}/${multiple === 1 ? '' : multiple}${unit}`;
    }
  }
  return `${rate.count}/${rate.windowSeconds}s`;
}

/** Concurrency from text (config, CLI): a whole number 0..MAX_CONCURRENCY, or `unlimited` (0). */
export const MAX_CONCURRENCY = 100_000;

export function parseConcurrency(text: string): number | string {
  const spec = text.trim().toLowerCase();
  if (spec === 'unlimited') return 0;
  if (!/^[0-9]{1,6}$/.test(spec) || Number(spec) > MAX_CONCURRENCY) {
    const shown = JSON.stringify(text.length > MAX_SPEC_LENGTH ? `${text.slice(0, MAX_SPEC_LENGTH)}…` : text);
    return `${shown} is not a concurrency; expected a whole number 0..${MAX_CONCURRENCY} (0 or unlimited for none)`;
  }
  return Number(spec);
}

/**
 * What is wrong with limits given as values (the admin service's input, which the CLI builds with
 * the parsers above but other callers may not), or null. The database's CHECKs are the backstop.
 */
export function limitsProblem(limits: {
  rate?: RateLimit | null;
  pollRate?: RateLimit | null;
  concurrency?: number | null;
}): string | null {
  for (const [name, rate] of [
    ['rate', limits.rate],
    ['pollRate', limits.pollRate],
  ] as const) {
    if (rate === undefined || rate === null) continue;
    const { count, windowSeconds } = rate;
    if (!Number.isInteger(count) || count < 0 || count > MAX_RATE_COUNT) {
      return `${name}: the count must be a whole number 0..${MAX_RATE_COUNT}`;
    }
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > MAX_RATE_WINDOW_S) {
      return `${name}: the window must be a whole number of seconds 1..${MAX_RATE_WINDOW_S}`;
    }
  }
  const { concurrency } = limits;
  if (
    concurrency !== undefined &&
    concurrency !== null &&
    (!Number.isInteger(concurrency) || concurrency < 0 || concurrency > MAX_CONCURRENCY)
  ) {
    return `concurrency: must be a whole number 0..${MAX_CONCURRENCY}`;
  }
  return null;
}
