/**
 * Uploading a result straight to the object store through the presigned PUT of the claim
 * (docs/runner-protocol.md, "Upload to the object store"). The URL carries its own signature: no
 * runner token is sent, the signed headers go exactly as given, the file is streamed with its
 * Content-Length, and redirects are not followed (a streamed body cannot be sent twice).
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { RunnerOutputUpload } from '@vidforge/contract';
import { RunnerProtocolError } from './errors.ts';
import { printable, readBounded } from './http.ts';

/** Headers the runner sets itself; a server naming them in `headers` is ignored for them. */
const OWN_HEADERS = new Set(['content-length', 'host', 'authorization', 'transfer-encoding', 'connection']);

/** A valid upload URL offered by the claim, or null (none, not http(s), or about to expire). */
export function usableUpload(
  upload: RunnerOutputUpload | null | undefined,
  now: number,
  marginMs: number,
): RunnerOutputUpload | null {
  if (!upload || upload.expiresAt <= now + marginMs) return null;
  try {
    const url = new URL(upload.url);
    return url.protocol === 'http:' || url.protocol === 'https:' ? upload : null;
  } catch {
    return null;
  }
}

/**
 * One PUT of the file. Resolves when the store has the object: on 2xx, and on 412, which the
 * signed `If-None-Match: *` gives when the object exists already, i.e. an earlier PUT of this file
 * arrived but its answer did not. Anything else is a RunnerProtocolError (`STORE_REFUSED` for an
 * answer of the store; transient when 5xx or no answer, so the caller may try again).
 */
export async function putToStore(
  upload: RunnerOutputUpload,
  file: { path: string; size: number },
  options: { signal?: AbortSignal; timeoutMs: number },
): Promise<'stored' | 'already-stored'> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(upload.headers)) {
    if (!OWN_HEADERS.has(name.toLowerCase())) headers[name] = value;
  }
  headers['content-length'] = String(file.size);
  const body = Readable.toWeb(createReadStream(file.path)) as ReadableStream<Uint8Array>;
  let response: Response;
  try {
    response = await fetch(upload.url, {
      method: 'PUT',
      headers,
      body,
      duplex: 'half',
      redirect: 'error',
      signal,
    } as RequestInit & { duplex: 'half' });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    const code = timeout.aborted ? 'TIMEOUT' : 'NETWORK_ERROR';
    throw new RunnerProtocolError(code, `the upload to the object store failed: ${describeCause(error)}`, {
      cause: error,
    });
  }
  // The store's error is XML; a few KiB of it say enough (its <Code> and <Message>).
  const text = await readBounded(response, 64 * 1024).catch(() => '');
  if (response.ok) return 'stored';
  if (response.status === 412) return 'already-stored';
  const code = /<Code>([^<]{1,64})<\/Code>/.exec(text)?.[1];
  throw new RunnerProtocolError(
    'STORE_REFUSED',
    `the object store refused the upload: HTTP ${response.status}${code ? ` ${printable(code, 64)}` : ''}`,
    { status: response.status },
  );
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return printable(cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error), 200);
}
