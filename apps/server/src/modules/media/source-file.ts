/**
 * The second half of fetching a source, shared by every way a source arrives (a download, this
 * server's own results): stream the bytes to a file within the size limit, decide the type from the
 * first bytes, then inspect the whole file. The caller gets a checked file or an EngineError.
 */
import { randomUUID } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, type LocalSource, type SourceKind } from '../../engines/engine.ts';
import { sourceTooLarge, sourceTooSlow } from './fetch-errors.ts';
import type { MediaConfig } from './media.config.ts';
import { inspectMedia } from './media-inspect.ts';
import type { MediaDescription } from './media-probe.ts';
import type { MediaRunObserver } from './media-process.ts';
import { describeKind, type MediaType, SNIFF_BYTES, sniffMediaType } from './media-type.ts';

type Body = AsyncIterable<Uint8Array> & { destroy(): void; on(event: 'error', listener: () => void): unknown };

export interface ReceiveOptions {
  dir: string;
  /** Where the bytes go until they are accepted; removed by the caller on failure. */
  partPath: string;
  kind: SourceKind;
  maxBytes: number;
  config: MediaConfig;
  signal: AbortSignal;
  /** Fail a download whose average rate falls below this once the window has passed (remote sources). */
  throughput?: { minBytesPerSecond: number; windowMs: number };
  /** Told once how many bytes arrived, whether the download was accepted or not (metrics). */
  onReceived?: (bytes: number) => void;
  /** Told about the inspection's ffprobe run (metrics). */
  observe?: MediaRunObserver;
}

/** A checked file, with what the inspection's probe found in it. */
export interface ReceivedMedia extends LocalSource {
  description: MediaDescription;
}

export const partPathIn = (dir: string) => join(dir, `source-${randomUUID()}.part`);

/** `onInspect` is called once the bytes are in and the file is being inspected. */
export async function receiveSource(
  body: Body,
  options: ReceiveOptions,
  onInspect?: () => void,
): Promise<ReceivedMedia> {
  const { dir, partPath, kind } = options;
  const downloaded = await download(body, partPath, kind, options);
  onInspect?.();
  const path = join(dir, `source-${randomUUID()}.${downloaded.type.extension}`);
  await rename(partPath, path);
  let description: MediaDescription;
  try {
    description = await inspectMedia(path, downloaded.type, options.config, options.signal, options.observe);
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return { path, kind, contentType: downloaded.type.contentType, size: downloaded.size, description };
}

/** Drops a body we will not read; undici reports the destroy as an error nobody needs. */
export function discard(body: { destroy(): void; on(event: 'error', listener: () => void): unknown }): void {
  body.on('error', () => {});
  body.destroy();
}

/**
 * Streams the body to `path`, counting bytes and deciding the type from the first bytes: a body
 * that is not media of the expected kind is abandoned there, without downloading the rest.
 */
async function download(
  body: Body,
  path: string,
  kind: SourceKind,
  { maxBytes, throughput, onReceived }: ReceiveOptions,
): Promise<{ type: MediaType; size: number }> {
  const file = await open(path, 'wx');
  const started = performance.now();
  let size = 0;
  let head: Uint8Array = new Uint8Array(0);
  let type: MediaType | null = null;
  try {
    for await (const chunk of body) {
      size += chunk.byteLength;
      if (size > maxBytes) throw sourceTooLarge(kind, maxBytes);
      if (throughput && throughput.minBytesPerSecond > 0) {
        const elapsedMs = performance.now() - started;
        if (elapsedMs > throughput.windowMs && (size * 1000) / elapsedMs < throughput.minBytesPerSecond) {
          throw sourceTooSlow(throughput.minBytesPerSecond);
        }
      }
      if (!type && head.length < SNIFF_BYTES) {
        head = concat(head, chunk.subarray(0, SNIFF_BYTES - head.length));
        if (head.length >= SNIFF_BYTES) type = acceptType(head, kind);
      }
      await file.write(chunk);
    }
  } catch (error) {
    discard(body);
    throw error;
  } finally {
    onReceived?.(size);
    await file.close();
  }
  if (size === 0) throw new EngineError('SOURCE_INVALID', 'the source is empty (0 bytes)', { retryable: false });
  return { type: type ?? acceptType(head, kind), size };
}

function acceptType(head: Uint8Array, kind: SourceKind): MediaType {
  const type = sniffMediaType(head);
  if (!type || type.kind !== kind) {
    const got = type ? `${type.kind} (${type.contentType})` : 'something else';
    throw new EngineError('SOURCE_UNSUPPORTED', `the source must be ${describeKind(kind)}; its bytes are ${got}`, {
      retryable: false,
    });
  }
  return type;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
