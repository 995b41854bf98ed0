/**
 * GET /v1/videos/{id}/content: the result itself (with Range, as the media URLs), or its thumbnail
 * or spritesheet, made once and then served from the blob store (previews.ts). Behind the API key,
 * unlike the signed media URLs, so the bytes go through this server even when results are in S3.
 */
import type { OpenAiContentVariant } from '@vidforge/contract';
import type { FastifyReply } from 'fastify';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import { parseRange } from '../results/range.ts';
import { expired, notCompleted, type OwnedVideo } from './openai.service.ts';
import { OpenAiError } from './openai-errors.ts';
import type { Previews } from './previews.ts';

export interface VideoContentDeps {
  blobs: Pick<BlobStore, 'stat' | 'read'>;
  previews: Previews;
  clock: Clock;
  log: { error(obj: object, msg: string): void };
}

const gone = (id: string) =>
  new OpenAiError(410, `The assets of video ${id} are no longer available`, {
    param: 'video_id',
    code: 'video_expired',
  });

export async function sendVideoContent(
  reply: FastifyReply,
  { task }: OwnedVideo,
  variant: OpenAiContentVariant,
  deps: VideoContentDeps,
): Promise<FastifyReply> {
  if (task.status !== 'SUCCESS' || !task.outputKey || !task.video) throw notCompleted(task, 'downloaded');
  if (task.resultDeletedAt !== null || (task.retainUntil !== null && deps.clock.now() >= task.retainUntil)) {
    throw expired(task.id);
  }
  let key = task.outputKey;
  let contentType = 'video/mp4';
  if (variant !== 'video') {
    try {
      ({ key, contentType } = await deps.previews.ensure(task.outputKey, variant, task.video));
    } catch (err) {
      deps.log.error({ err, taskId: task.id, variant }, 'could not make a preview');
      throw new OpenAiError(500, `The ${variant} of this video could not be made`, { code: 'preview_failed' });
    }
  }
  const info = await deps.blobs.stat(key);
  if (!info) throw gone(task.id);
  const etag = `"${info.etag}"`;
  const extension = variant === 'video' ? 'mp4' : variant === 'thumbnail' ? 'webp' : 'jpg';
  reply
    .header('accept-ranges', 'bytes')
    .header('content-type', contentType)
    .header('etag', etag)
    .header('x-content-type-options', 'nosniff')
    .header(
      'content-disposition',
      `attachment; filename="${task.id}${variant === 'video' ? '' : `.${variant}`}.${extension}"`,
    )
    .header('cache-control', 'private, max-age=300');
  const ifRange = reply.request.headers['if-range'];
  const range = parseRange(
    ifRange === undefined || ifRange === etag ? reply.request.headers.range : undefined,
    info.size,
  );
  if (range.kind === 'unsatisfiable') {
    reply.header('content-range', `bytes */${info.size}`);
    throw new OpenAiError(416, 'The requested range is outside the file', { code: 'range_not_satisfiable' });
  }
  const part = range.kind === 'partial' ? { start: range.start, end: range.end } : undefined;
  const stream = await deps.blobs.read(key, part);
  if (!stream) throw gone(task.id);
  if (part) {
    reply.status(206).header('content-range', `bytes ${part.start}-${part.end}/${info.size}`);
    reply.header('content-length', String(part.end - part.start + 1));
  } else reply.header('content-length', String(info.size));
  return reply.send(stream);
}
