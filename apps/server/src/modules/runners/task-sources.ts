/**
 * Sources of runner tasks. The server fetches and checks a task's source itself (the same guarded
 * fetcher as in-process work), keeps it in the blob store under a fixed key for every attempt, and
 * gives runners a signed URL to it: runners never fetch callers' URLs, and a source the server
 * refuses never reaches a GPU.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunnerSource } from '@vidforge/contract';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { SourceFetcher } from '../../ports/source-fetcher.ts';
import type { TaskRecord } from '../../ports/task-ledger.ts';
import { SNIFF_BYTES, sniffMediaType } from '../media/media-type.ts';
import type { UrlSigner } from '../results/url-signer.ts';
import { sourceOf } from '../workers/task-source.ts';

export const SOURCES_PATH = '/v1/runner/sources';
const sourceKeyOf = (taskId: string) => `sources/${taskId}`;
/** What the signature covers: cannot collide with a media URL's task id, which has no '/'. */
const signedObject = (taskId: string) => `sources/${taskId}`;

export interface TaskSourcesDeps {
  blobs: BlobStore;
  fetcher: SourceFetcher;
  signer: UrlSigner;
  clock: Clock;
  workRoot: string;
  publicUrl(): string;
  /** Source URLs are valid until the task's deadline, but never longer than the signer allows. */
  maxUrlTtlMs: number;
}

export function createTaskSources(deps: TaskSourcesDeps) {
  const { blobs } = deps;

  async function contentTypeOf(key: string): Promise<string> {
    const head = await blobs.read(key, { start: 0, end: SNIFF_BYTES - 1 });
    const chunks: Buffer[] = [];
    if (head) for await (const chunk of head) chunks.push(chunk as Buffer);
    return sniffMediaType(Buffer.concat(chunks))?.contentType ?? 'application/octet-stream';
  }

  return {
    /**
     * Fetches the task's source into the blob store unless an earlier attempt did, and returns what
     * a runner needs to download it; null for a task without a source. Throws the fetcher's
     * EngineError when the source is unusable.
     */
    async stage(task: TaskRecord, attempt: number, signal: AbortSignal): Promise<RunnerSource | null> {
      const source = sourceOf(task);
      if (!source) return null;
      const key = sourceKeyOf(task.id);
      let info = await blobs.stat(key);
      if (!info) {
        const dir = join(deps.workRoot, `${task.id}-${attempt}-source`);
        await mkdir(dir, { recursive: true });
        try {
          const local = await deps.fetcher.fetch(source.url, source.kind, dir, signal);
          info = await blobs.putFile(key, local.path, local.contentType);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
      const now = deps.clock.now();
      const exp = Math.min(task.deadlineAt, now + deps.maxUrlTtlMs);
      return {
        kind: source.kind,
        url: `${deps.publicUrl()}${SOURCES_PATH}/${task.id}?${deps.signer.sign(signedObject(task.id), exp)}`,
        contentType: await contentTypeOf(key),
        size: info.size,
      };
    },

    /** The staged source behind a signed URL, or why not. */
    async open(taskId: string, query: string) {
      const verdict = deps.signer.verify(signedObject(taskId), query, deps.clock.now());
      if (!verdict.ok) return { ok: false as const, reason: verdict.reason };
      const key = sourceKeyOf(taskId);
      const info = await blobs.stat(key);
      const body = info ? await blobs.read(key) : null;
      if (!info || !body) return { ok: false as const, reason: 'missing' as const };
      return { ok: true as const, body, size: info.size, contentType: await contentTypeOf(key) };
    },

    /** Deletes the staged source once the task is finished; idempotent. */
    remove: (taskId: string) => blobs.delete(sourceKeyOf(taskId)),
  };
}

export type TaskSources = ReturnType<typeof createTaskSources>;
