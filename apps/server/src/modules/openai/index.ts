/** The OpenAI-compatible API's parts as main.ts wires them. */
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { FfmpegInfo } from '../media/ffmpeg-check.ts';
import type { MediaConfig } from '../media/media.config.ts';
import type { UrlSigner } from '../results/url-signer.ts';
import type { TasksService } from '../tasks/tasks.service.ts';
import type { Uploads, UploadsDeps } from '../uploads/uploads.ts';
import type { OpenAiRoutesDeps } from './openai.routes.ts';
import { createOpenAiService } from './openai.service.ts';
import { createPreviews } from './previews.ts';
import { createVideoOrigins } from './video-origins.ts';

export { type OpenAiRoutesDeps, registerOpenAiRoutes } from './openai.routes.ts';

export interface OpenAiApiDeps extends UploadsDeps {
  blobs: BlobStore;
  tasks: TasksService;
  signer: UrlSigner;
  clock: Clock;
  ffmpeg: FfmpegInfo;
  media: MediaConfig;
  /** Shared with the seed API's upload route: one store, one sweep. */
  uploadStore: Uploads;
}

/** Everything the routes need but the auth service (app.ts passes its own). */
export function createOpenAiApi(deps: OpenAiApiDeps): Omit<OpenAiRoutesDeps, 'auth'> {
  const origins = createVideoOrigins({ blobs: deps.blobs, workRoot: deps.workRoot });
  return {
    openai: createOpenAiService({ ...deps, origins }),
    uploads: deps.uploadStore,
    previews: createPreviews(deps),
    blobs: deps.blobs,
    clock: deps.clock,
    media: deps.media,
    log: deps.log,
  };
}
