/**
 * Maps whatever a download threw to the EngineError a caller sees. Network trouble that may pass
 * (timeouts, resets, refused connections, temporary DNS failure) is retryable; a refused address,
 * a TLS failure or bad media is not. Messages never echo resolved addresses or upstream bodies.
 */
import type { SourceKind } from '../../engines/engine.ts';
import { EngineError } from '../../engines/engine.ts';
import { ADDRESS_REFUSED } from './guarded-agent.ts';

export type FetchPhase = 'connect' | 'body' | 'inspect';

export interface FetchErrorContext {
  phase: FetchPhase;
  deadline: AbortSignal;
  timeoutMs: number;
  kind: SourceKind;
  maxBytes: number;
}

const TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  // Walk the cause chain (undici wraps socket errors) and AggregateErrors (Happy Eyeballs).
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const nested = (current as { errors?: unknown[] }).errors;
    if (Array.isArray(nested)) for (const inner of nested) codes.push(...codesOf(inner));
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

export function formatBytes(bytes: number): string {
  const MiB = 1024 * 1024;
  if (bytes >= MiB) return `${Number((bytes / MiB).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}

export function sourceTooSlow(minBytesPerSecond: number): EngineError {
  return new EngineError(
    'SOURCE_FETCH_FAILED',
    `cannot fetch the source: it sent data slower than ${formatBytes(minBytesPerSecond)}/s`,
    { retryable: false },
  );
}

export function sourceTooLarge(kind: SourceKind, maxBytes: number): EngineError {
  return new EngineError('SOURCE_TOO_LARGE', `the source ${kind} is larger than ${formatBytes(maxBytes)}`, {
    retryable: false,
  });
}

const failed = (reason: string, retryable: boolean, cause: unknown) =>
  new EngineError('SOURCE_FETCH_FAILED', `cannot fetch the source: ${reason}`, { retryable, cause });

export function classifyFetchError(error: unknown, context: FetchErrorContext): Error {
  if (error instanceof EngineError) return error;
  if (context.deadline.aborted) {
    // Not retried: a source this slow is as slow the next time, and each try holds a worker.
    return failed(`the download did not finish within ${Math.round(context.timeoutMs / 1000)} s`, false, error);
  }
  const codes = codesOf(error);
  if (codes.includes(ADDRESS_REFUSED)) {
    return failed('the host is not a public address (loopback, private, link-local or reserved)', false, error);
  }
  if (codes.includes('UND_ERR_RES_EXCEEDED_MAX_SIZE')) return sourceTooLarge(context.kind, context.maxBytes);
  if (codes.includes('ENOTFOUND')) return failed('the host name does not resolve', false, error);
  if (codes.includes('UND_ERR_HEADERS_TIMEOUT')) return failed('the source did not answer in time', true, error);
  if (codes.includes('UND_ERR_BODY_TIMEOUT')) return failed('the source stopped sending data', true, error);
  if (codes.some((code) => code.startsWith('ERR_TLS') || code.includes('CERT') || code.startsWith('ERR_SSL'))) {
    return failed('the TLS handshake failed (certificate not valid for this host?)', false, error);
  }
  if (codes.some((code) => TRANSIENT.has(code))) {
    return failed(
      context.phase === 'body' ? 'the connection broke during the download' : 'the connection failed',
      true,
      error,
    );
  }
  // File-system and programming errors are not the source's fault: let them surface as such.
  if (context.phase === 'inspect' || codes.some((code) => code === 'ENOSPC' || code === 'EACCES')) {
    return error instanceof Error ? error : new Error(String(error));
  }
  return failed('the request failed', true, error);
}
