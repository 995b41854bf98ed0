/**
 * The server's logger: JSON lines with level names ("info", not 30) for log collectors, or, on a
 * terminal, one readable line per event (time, level, message, fields; an error's stack below it).
 */
import { Writable } from 'node:stream';
import { isatty } from 'node:tty';
import pino, { type Logger } from 'pino';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line has, shown in the line's head rather than as key=value. */
const HEAD = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

/** One pino JSON line as a line for people. */
export function formatLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = new Date(Number(entry.time)).toISOString().slice(11, 23);
  const level = (typeof entry.level === 'number' ? LEVELS[entry.level] : String(entry.level).toUpperCase()) ?? '?';
  const fields = Object.entries(entry)
    .filter(([key]) => !HEAD.has(key))
    .map(([key, v]) => `${key}=${value(v)}`);
  const err = entry.err as { message?: string; stack?: string } | undefined;
  const stack = err?.stack ? `\n    ${err.stack.split('\n').join('\n    ')}` : err?.message ? ` (${err.message})` : '';
  return `${time} ${level.padEnd(5)} ${String(entry.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}${stack}\n`;
}

function readableTo(out: NodeJS.WritableStream): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString();
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        out.write(formatLine(pending.slice(0, newline)));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
      done();
    },
  });
}

/**
 * To `out` when given (tests); otherwise to standard output: readable lines on a terminal, else
 * JSON lines written straight to descriptor 1 by pino's own destination, synchronously as before
 * (nothing is held back, so a crash loses no line) but without `process.stdout`'s stream machinery,
 * which copied each line into a Buffer and queued a `nextTick` per write (its measured gain is within
 * the bench's noise: docs/performance.md).
 */
export function createLogger(level: string, out?: NodeJS.WriteStream): Logger {
  const options = { level, formatters: { level: (label: string) => ({ level: label }) } };
  if (out) return out.isTTY ? pino({ level }, readableTo(out)) : pino(options, out);
  if (isatty(1)) return pino({ level }, readableTo(process.stdout));
  return pino(options, pino.destination({ dest: 1, sync: true }));
}
