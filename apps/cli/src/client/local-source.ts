/**
 * Source arguments (`--image`, the video of `upscale` and `extend`): an http(s) URL is sent as it
 * is; anything else names a local file, which is uploaded first (`POST …/uploads`) and replaced by
 * the URL the server answers. The file is checked here before the server is contacted, so a typo
 * in a path is a usage error naming it, never a request.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { UploadKind } from '@vidforge/sdk';
import type { Vidforge } from '@vidforge/sdk/node';
import { usageError } from '../cli-error.ts';
import { fail } from './errors.ts';
import type { OutputMode } from './report.ts';

/** Stands in for a local file while the rest of the request is validated (a well-formed URL). */
export const PENDING_UPLOAD = 'https://upload.invalid/pending';

/** A value with a URL scheme is a URL; `C:\x` and `./x:y` are paths. */
export const isUrl = (value: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(value);

export interface LocalSource {
  path: string;
  kind: UploadKind;
  /** How the user named it, for messages: `--image` or "the source video". */
  label: string;
}

/** Whether `value` is a readable regular file; a usage error saying what is wrong otherwise. */
export async function checkLocalFile(value: string, kind: UploadKind, label: string): Promise<LocalSource> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(value);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError(
      code === 'ENOENT'
        ? `${label}: no such file: ${value} (give an http(s) URL or the path of a local ${kind})`
        : `${label}: cannot read ${value} (${code ?? String(error)})`,
    );
  }
  if (!info.isFile()) throw usageError(`${label}: ${value} is not a file`);
  try {
    await access(value, constants.R_OK);
  } catch {
    throw usageError(`${label}: cannot read ${value} (permission denied)`);
  }
  if (info.size === 0) throw usageError(`${label}: ${value} is empty`);
  return { path: value, kind, label };
}

/** Uploads the file and returns its URL; the server's refusal exits like any API error. */
export async function uploadLocal(client: Vidforge, source: LocalSource, mode: OutputMode): Promise<string> {
  let answer: Awaited<ReturnType<Vidforge['uploadFile']>>;
  try {
    answer = await client.uploadFile(source.path);
  } catch (error) {
    fail(mode, error);
  }
  // The server says what the bytes are; a video given as --image would only fail the task later.
  if (answer.kind !== source.kind) {
    throw usageError(
      `${source.label}: ${source.path} is ${answer.kind === 'image' ? 'an image' : 'a video'} (${answer.contentType}); ${source.kind === 'image' ? 'an image' : 'a video'} is needed`,
    );
  }
  if (!mode.machine) process.stderr.write(`Uploaded ${source.path} (${answer.size} bytes, ${answer.contentType})\n`);
  return answer.url;
}
