/**
 * The OpenAI Videos API over the same tasks, keys and engines as the seed API: a video is a task
 * (its `id` is the taskId), created, read, listed and cancelled through TasksService, so both APIs
 * see the same task on its endpoint. What the seed has no word for lives beside the result:
 * previews (previews.ts), uploads (uploads.ts) and origins (video-origins.ts).
 *
 * Remix: a new generate with the original's request (engine, size, seconds, seed, negative prompt,
 * input reference) and the new prompt. Extension: the seed's extend of the finished result, whose
 * output is the whole stitched video.
 */
import {
  OPENAI_LIST_LIMIT_DEFAULT,
  type OpenAiCreateVideoRequest,
  type OpenAiExtendVideoRequest,
  type OpenAiListVideosQuery,
  type OpenAiModelList,
  type OpenAiVideo,
  type OpenAiVideoDeleted,
  type OpenAiVideoList,
  TASK_ID_PATTERN,
} from '@vidforge/contract';
import { ApiError } from '../../http/api-error.ts';
import type { AccessKeyRecord, EndpointRecord } from '../../ports/access-store.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { TaskRecord } from '../../ports/task-ledger.ts';
import type { Caller } from '../auth/auth.service.ts';
import { mediaPath } from '../results/media.routes.ts';
import { resultKeysOf, taskRecordKeyOf } from '../results/result-key.ts';
import type { UrlSigner } from '../results/url-signer.ts';
import { isFinished } from '../tasks/task-state.ts';
import type { TasksService } from '../tasks/tasks.service.ts';
import type { StoredUpload } from '../uploads/uploads.ts';
import { resolveModel, toModel } from './models.ts';
import { OpenAiError, videoNotFound } from './openai-errors.ts';
import { deletedByClient, secondsText, sizeText, toVideoObject } from './video-object.ts';
import type { VideoOrigin, VideoOrigins } from './video-origins.ts';
import { capabilitiesOf, extendBody, generateBody } from './video-params.ts';

/** The caller of a /v1 request: a key and every endpoint it may use. */
export interface KeyAccess {
  key: AccessKeyRecord;
  endpoints: EndpointRecord[];
}

export interface OpenAiServiceDeps {
  tasks: TasksService;
  origins: VideoOrigins;
  blobs: Pick<BlobStore, 'delete'>;
  signer: UrlSigner;
  clock: Clock;
  /** This server's public origin, for the media URL an extension reads its source from. */
  publicUrl(): string;
}

/** An owned, visible task with the endpoint it belongs to. */
export interface OwnedVideo {
  task: TaskRecord;
  endpoint: EndpointRecord;
  caller: Caller;
}

const before = (a: TaskRecord, b: TaskRecord) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function createOpenAiService(deps: OpenAiServiceDeps) {
  const { tasks, origins } = deps;

  async function own(access: KeyAccess, id: string, param = 'video_id'): Promise<OwnedVideo> {
    // A malformed id is as unknown as a well-formed one, without asking the database.
    if (!TASK_ID_PATTERN.test(id)) throw notFound(id, param);
    let task: TaskRecord;
    try {
      task = await tasks.record(
        access.endpoints.map((endpoint) => endpoint.id),
        id,
      );
    } catch (error) {
      if (error instanceof ApiError && error.code === 'TASK_NOT_FOUND') throw notFound(id, param);
      throw error;
    }
    const endpoint = access.endpoints.find((candidate) => candidate.id === task.endpointId);
    // A result the client deleted is gone for this API; the seed API still shows the task.
    if (!endpoint || deletedByClient(task)) throw notFound(id, param);
    return { task, endpoint, caller: { key: access.key, endpoint } };
  }

  async function view(task: TaskRecord, endpoint: EndpointRecord): Promise<OpenAiVideo> {
    return toVideoObject(task, endpoint, await origins.get(task.id, isFinished(task.status)));
  }

  async function submitted(
    caller: Caller,
    type: 'generate' | 'extend',
    body: unknown,
    idempotencyKey: string | undefined,
    origin?: VideoOrigin,
  ) {
    const id = await tasks.submit(caller, type, body, idempotencyKey);
    if (origin) await origins.write(id, origin);
    return view(await tasks.record([caller.endpoint.id], id), caller.endpoint);
  }

  /** Up to `limit` visible rows of one endpoint after `after`, skipping client-deleted ones. */
  async function visibleRows(caller: Caller, order: 'asc' | 'desc', limit: number, after?: TaskRecord) {
    const rows: TaskRecord[] = [];
    let cursor = after && { createdAt: after.createdAt, id: after.id };
    for (;;) {
      const batch = await tasks.records(caller, { limit, order, after: cursor });
      rows.push(...batch.filter((task) => !deletedByClient(task)));
      const last = batch.at(-1);
      if (rows.length >= limit || batch.length < limit || !last) return rows.slice(0, limit);
      cursor = { createdAt: last.createdAt, id: last.id };
    }
  }

  return {
    own,
    view,

    async create(
      access: KeyAccess,
      params: OpenAiCreateVideoRequest,
      reference: string | undefined,
      idempotencyKey?: string,
    ): Promise<OpenAiVideo> {
      const endpoint = resolveModel(access.endpoints, params.model);
      const body = generateBody(params, capabilitiesOf(endpoint), reference);
      return submitted({ key: access.key, endpoint }, 'generate', body, idempotencyKey);
    },

    async retrieve(access: KeyAccess, id: string): Promise<OpenAiVideo> {
      const { task, endpoint } = await own(access, id);
      return view(task, endpoint);
    },

    /** Newest first by default; across every endpoint of the key, merged by creation time. */
    async list(access: KeyAccess, query: OpenAiListVideosQuery): Promise<OpenAiVideoList> {
      const limit = query.limit ?? OPENAI_LIST_LIMIT_DEFAULT;
      const order = query.order ?? 'desc';
      const after = query.after === undefined ? undefined : (await own(access, query.after, 'after')).task;
      const perEndpoint = await Promise.all(
        access.endpoints.map((endpoint) => visibleRows({ key: access.key, endpoint }, order, limit + 1, after)),
      );
      const merged = perEndpoint.flat().sort((a, b) => (order === 'asc' ? before(a, b) : before(b, a)));
      const page = merged.slice(0, limit);
      const byId = new Map(access.endpoints.map((endpoint) => [endpoint.id, endpoint]));
      const data = await Promise.all(page.map((task) => view(task, byId.get(task.endpointId)!)));
      return {
        object: 'list',
        data,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: merged.length > limit,
      };
    },

    /**
     * Cancels the task if it is still running, then deletes its result and everything kept beside
     * it. The seed API keeps showing the task, without a mediaUrl, as after retention.
     */
    async delete(access: KeyAccess, id: string): Promise<OpenAiVideoDeleted> {
      const { task, caller } = await own(access, id);
      if (!isFinished(task.status)) {
        await tasks.cancel(caller, task.id).catch((error: unknown) => {
          // It finished meanwhile: delete the result instead.
          if (!(error instanceof ApiError && error.code === 'TASK_NOT_CANCELLABLE')) throw error;
        });
      }
      await tasks.forgetResult(caller, task.id);
      const keys = [...(task.outputKey ? resultKeysOf(task.outputKey) : []), taskRecordKeyOf(task.id)];
      for (const key of keys) await deps.blobs.delete(key);
      return { id: task.id, object: 'video.deleted', deleted: true };
    },

    async remix(access: KeyAccess, id: string, prompt: string, idempotencyKey?: string): Promise<OpenAiVideo> {
      const { task, caller } = await own(access, id);
      if (task.status !== 'SUCCESS') throw notCompleted(task, 'remixed');
      if (task.type !== 'generate' || !('settings' in task.request) || !('aspectRatio' in task.request.settings)) {
        throw new OpenAiError(400, 'Only videos created from a prompt can be remixed', {
          param: 'video_id',
          code: 'unsupported_video',
        });
      }
      const body = { ...task.request, prompt };
      return submitted(caller, 'generate', body, idempotencyKey, { remixedFrom: task.id });
    },

    /**
     * Extends a completed video of this key (`video.id`) or an uploaded one by `seconds`; the new
     * video is the whole stitched result, on the endpoint of the original (or of `model`).
     */
    async extend(
      access: KeyAccess,
      params: OpenAiExtendVideoRequest,
      upload: StoredUpload | undefined,
      idempotencyKey?: string,
    ): Promise<OpenAiVideo> {
      if (upload) {
        const endpoint = resolveModel(access.endpoints, params.model);
        const body = extendBody(params, capabilitiesOf(endpoint), upload.url);
        const picture = upload.media.video;
        const origin: VideoOrigin = picture
          ? {
              size: sizeText({ width: picture.displayWidth, height: picture.displayHeight }),
              seconds: secondsText((upload.media.durationSeconds ?? 0) + params.seconds),
            }
          : {};
        return submitted({ key: access.key, endpoint }, 'extend', body, idempotencyKey, origin);
      }
      if (!params.video) {
        throw new OpenAiError(400, 'video is required: {"id": "<a completed video>"} or an uploaded file', {
          param: 'video',
          code: 'missing_required_parameter',
        });
      }
      const { task, caller } = await own(access, params.video.id, 'video');
      if (task.status !== 'SUCCESS' || !task.video) throw notCompleted(task, 'extended');
      if (task.retainUntil !== null && deps.clock.now() >= task.retainUntil) throw expired(task.id);
      if (params.model !== undefined && resolveModel(access.endpoints, params.model).id !== caller.endpoint.id) {
        throw new OpenAiError(400, 'An extension is made by the model of the video it extends', {
          param: 'model',
          code: 'invalid_value',
        });
      }
      // Our own media URL: the worker reads it from the result store (own-media-source.ts).
      const exp = deps.clock.now() + deps.signer.maxTtlMs;
      const source = `${deps.publicUrl()}${mediaPath(task.id)}?${deps.signer.sign(task.id, exp)}`;
      const body = extendBody(params, capabilitiesOf(caller.endpoint), source);
      return submitted(caller, 'extend', body, idempotencyKey, {
        extendedFrom: task.id,
        size: sizeText(task.video),
        seconds: secondsText(task.video.durationSeconds + params.seconds),
      });
    },

    models(access: KeyAccess): OpenAiModelList {
      return { object: 'list', data: access.endpoints.map(toModel) };
    },
  };
}

export type OpenAiService = ReturnType<typeof createOpenAiService>;

const notFound = (id: string, param: string) =>
  param === 'video_id'
    ? videoNotFound(id)
    : new OpenAiError(param === 'after' ? 400 : 404, `No video with id "${id.slice(0, 80)}"`, {
        param,
        code: 'video_not_found',
      });

export const notCompleted = (task: TaskRecord, what: string) =>
  new OpenAiError(409, `Only a completed video can be ${what}; this one is ${toStatusWord(task)}`, {
    param: 'video_id',
    code: 'video_not_completed',
  });

export const expired = (id: string) =>
  new OpenAiError(410, `The assets of video ${id} have expired and were deleted`, {
    param: 'video_id',
    code: 'video_expired',
  });

const toStatusWord = (task: TaskRecord) =>
  ({ PENDING: 'queued', IN_PROGRESS: 'in progress', SUCCESS: 'completed', FAIL: 'failed' })[task.status];
