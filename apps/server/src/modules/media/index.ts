/** The media module's public surface: what main.ts wires and what engines use. */

export { type Allowlist, parseAllowlist } from './fetch-allowlist.ts';
export { checkFfmpeg, FfmpegCheckError, type FfmpegInfo } from './ffmpeg-check.ts';
export { type LookupAll, systemLookup } from './guarded-agent.ts';
export { isPublicAddress } from './ip-address.ts';
export { MEDIA_ENV, type MediaConfig, MediaConfigSchema, mediaEnvInput, parseMediaConfig } from './media.config.ts';
export { inspectMedia } from './media-inspect.ts';
export { type MediaDescription, probeMedia } from './media-probe.ts';
export { MediaProcessError, type MediaRun, type MediaRunObserver, runMediaProcess } from './media-process.ts';
export {
  createSafeFetcher,
  type FetchObserver,
  type SafeFetcherOptions,
  type SourceFetch,
} from './safe-fetcher.ts';
