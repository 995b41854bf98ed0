/**
 * What runs engines outside the server imports: the reference runner (`vidforge runner`) runs the
 * same preview engine as the in-process workers, so its results are the same.
 */
export { checkFfmpeg, type FfmpegInfo } from '../modules/media/ffmpeg-check.ts';
export { type MediaConfig, mediaEnvInput, parseMediaConfig } from '../modules/media/media.config.ts';
export {
  type Engine,
  type EngineContext,
  EngineError,
  type EngineOutput,
  type EngineTask,
  type LocalSource,
  type SourceKind,
  type StopReason,
} from './engine.ts';
export { createPreviewEngine } from './preview/preview-engine.ts';
