/**
 * @vidforge/sdk/node: everything from `@vidforge/sdk`, with a `Vidforge` whose `downloadMedia`
 * also writes to a file path or a Node stream. Node-only (node:fs, node:stream); the core entry
 * stays free of them so it runs in browsers.
 */
import { constants, createWriteStream, openAsBlob } from 'node:fs';
import { access, rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Vidforge as CoreVidforge } from './client.ts';
import type { Task, UploadResponse } from './contract-types.ts';
import { checkLength, type DownloadResult } from './media.ts';
import type { RequestOptions } from './options.ts';
import type { UploadSource } from './upload.ts';

export * from './index.ts';

/** Options of the Node `downloadMedia`. */
export interface NodeDownloadOptions extends RequestOptions {
  /** Whether to end a stream destination when the video is written (default true; false for stdout). */
  end?: boolean;
}

/** What the Node `downloadMedia` wrote. */
export interface NodeDownloadResult extends DownloadResult {
  /** The file written, when the destination was a path. */
  path?: string;
}

function isWebWritable(value: unknown): value is WritableStream<Uint8Array> {
  return typeof (value as WritableStream | null)?.getWriter === 'function';
}

/** The {@link CoreVidforge} client plus downloads to files and Node streams. */
export class Vidforge extends CoreVidforge {
  /**
   * {@link CoreVidforge.uploadFile}, plus a file path: the file is read from disk as it is sent
   * (never whole into memory), and again on a retry.
   * @throws the file system's error (`code` ENOENT, EACCES, EISDIR ...) when the path cannot be read.
   */
  override async uploadFile(file: UploadSource | string, options: RequestOptions = {}): Promise<UploadResponse> {
    if (typeof file !== 'string') return super.uploadFile(file, options);
    // Checked first: openAsBlob reports a missing file only as ERR_INVALID_ARG_VALUE, takes a
    // directory for a 4 KiB file, and reads lazily, so an unreadable file would fail mid-request.
    const info = await stat(file);
    if (!info.isFile()) {
      throw Object.assign(new Error(`EISDIR: not a regular file, read '${file}'`), { code: 'EISDIR', path: file });
    }
    await access(file, constants.R_OK);
    return super.uploadFile(await openAsBlob(file), options);
  }

  /**
   * Streams a finished task's video to a file, a Node writable (e.g. `process.stdout`) or a web
   * `WritableStream`, never holding the whole file in memory. An expired media URL is refreshed
   * by reading the task again. A file is written under a temporary name and renamed into place
   * only when complete, so a failed or aborted download never leaves a truncated file at `path`.
   * @param task - a task object or a task id.
   * @param destination - a file path, a Node writable stream or a web WritableStream.
   */
  override async downloadMedia(
    task: Task | string,
    destination: string | NodeJS.WritableStream | WritableStream<Uint8Array>,
    options: NodeDownloadOptions = {},
  ): Promise<NodeDownloadResult> {
    if (isWebWritable(destination)) return super.downloadMedia(task, destination, options);
    const media = await this.openMedia(task, options);
    let bytes = 0;
    const count = async function* (source: AsyncIterable<Uint8Array>) {
      for await (const chunk of source) {
        bytes += chunk.byteLength;
        yield chunk;
      }
    };
    const source = Readable.fromWeb(media.body as NodeReadableStream<Uint8Array>);
    const signal = options.signal ? { signal: options.signal } : {};
    try {
      if (typeof destination !== 'string') {
        await pipeline(source, count, destination, { ...signal, end: options.end ?? true });
        checkLength(media, bytes);
        return { task: media.task, bytes };
      }
      const partial = `${destination}.${process.pid}-${Date.now().toString(36)}.part`;
      try {
        await pipeline(source, count, createWriteStream(partial, { flags: 'wx' }), signal);
        checkLength(media, bytes);
        await rename(partial, destination);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
      return { task: media.task, bytes, path: destination };
    } catch (error) {
      // Node's pipeline rejects with its own AbortError; callers get their signal's reason, as everywhere else.
      if (options.signal?.aborted) throw options.signal.reason;
      throw error;
    }
  }
}
