/**
 * Serves results behind signed URLs, streamed from the blob store with Range support.
 * Order matters: the signature is checked before anything touches the database or the disk.
 */
import { downloadMedia, MEDIA_PREFIX, TASK_ID_PATTERN } from '@vidforge/contract';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../http/api-error.ts';
import { sendError } from '../../http/error-handler.ts';
import { routeOperation } from '../../http/operation-route.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { TaskLedger } from '../../ports/task-ledger.ts';
import { parseRange } from './range.ts';
import type { UrlSigner } from './url-signer.ts';

export interface MediaRoutesDeps {
  tasks: Pick<TaskLedger, 'get'>;
  blobs: BlobStore;
  signer: UrlSigner;
  clock: Clock;
}

export function mediaPath(taskId: string): string {
  return `${MEDIA_PREFIX}/${taskId}.mp4`;
}

export function registerMediaRoutes(app: FastifyInstance, deps: MediaRoutesDeps): void {
  routeOperation<{ Params: { file: string } }>(app, '', downloadMedia, async (request, reply) => {
    const match = /^(.+)\.mp4$/.exec(request.params.file);
    const taskId = match?.[1];
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    const now = deps.clock.now();
    if (!taskId || !TASK_ID_PATTERN.test(taskId)) {
      return sendError(reply, new ApiError('MEDIA_URL_INVALID', 'Invalid media URL'));
    }
    // Authenticity first: nothing else is looked at for a URL we did not sign.
    const verdict = deps.signer.verify(taskId, query, now);
    if (!verdict.ok && verdict.reason !== 'expired') {
      return sendError(reply, new ApiError('MEDIA_URL_INVALID', 'Invalid media URL signature'));
    }
    const task = await deps.tasks.get(taskId);
    if (task?.status !== 'SUCCESS' || !task.outputKey) {
      return sendError(reply, new ApiError('NOT_FOUND', 'No such media'));
    }
    // A genuine URL of a deleted result says so (410) even when it has also expired: a fresh URL
    // would not help, and the caller should know.
    if (task.resultDeletedAt !== null || (task.retainUntil !== null && now >= task.retainUntil)) {
      return sendError(reply, new ApiError('MEDIA_GONE', 'This result is past its retention period and was deleted'));
    }
    if (!verdict.ok) {
      return sendError(
        reply,
        new ApiError('MEDIA_URL_INVALID', 'This media URL has expired; query the task for a fresh one'),
      );
    }
    const info = await deps.blobs.stat(task.outputKey);
    if (!info) return sendError(reply, new ApiError('MEDIA_GONE', 'This result is no longer available'));

    const etag = `"${info.etag}"`;
    reply
      .header('accept-ranges', 'bytes')
      .header('content-type', 'video/mp4')
      .header('etag', etag)
      .header('last-modified', new Date(info.modifiedAt).toUTCString())
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('content-disposition', `inline; filename="${taskId}.mp4"`)
      .header('cache-control', 'private, max-age=300');

    const ifRange = request.headers['if-range'];
    // If-Range with another validator means the client's partial copy is stale: send it all.
    const rangeHeader = ifRange === undefined || ifRange === etag ? request.headers.range : undefined;
    const range = parseRange(rangeHeader, info.size);
    if (range.kind === 'unsatisfiable') {
      reply.header('content-range', `bytes */${info.size}`);
      return sendError(reply, new ApiError('RANGE_NOT_SATISFIABLE', 'The requested range is outside the file'));
    }
    const part = range.kind === 'partial' ? { start: range.start, end: range.end } : undefined;
    const stream = await deps.blobs.read(task.outputKey, part);
    if (!stream) return sendError(reply, new ApiError('MEDIA_GONE', 'This result is no longer available'));
    if (part) {
      reply.status(206).header('content-range', `bytes ${part.start}-${part.end}/${info.size}`);
      reply.header('content-length', String(part.end - part.start + 1));
    } else reply.header('content-length', String(info.size));
    return reply.send(stream);
  });
}
