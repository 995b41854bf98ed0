/**
 * Every engine an endpoint may name, in one list: the in-process engines the workers run (`upstream`
 * among them: it forwards to another video API) and
 * `runner` (tasks for remote runners of `settings.family`). The server builds its registry from it
 * and the admin commands check endpoint engines against it, so the two cannot disagree.
 */
import type { FfmpegInfo } from '../modules/media/ffmpeg-check.ts';
import type { MediaConfig } from '../modules/media/media.config.ts';
import { type Engine, EngineRegistry } from './engine.ts';
import { createPreviewEngine } from './preview/preview-engine.ts';
import { RUNNER_ENGINE } from './runner-family.ts';
import { createTestEngine } from './test/test-engine.ts';
import { createUpstreamEngine } from './upstream/upstream-engine.ts';

export interface EngineDeps {
  ffmpeg: FfmpegInfo;
  media: MediaConfig;
}

const IN_PROCESS: readonly { name: string; testOnly: boolean; create(deps: EngineDeps): Engine }[] = [
  { name: 'preview', testOnly: false, create: (deps) => createPreviewEngine(deps) },
  // Another video API (docs/upstream.md); its endpoints' settings say which and where.
  { name: 'upstream', testOnly: false, create: (deps) => createUpstreamEngine(deps) },
  // Deterministic and scriptable; only where enableTestEngine is set.
  { name: 'test', testOnly: true, create: () => createTestEngine() },
];

const available = (enableTestEngine: boolean) => IN_PROCESS.filter((entry) => enableTestEngine || !entry.testOnly);

/** The engine names endpoints may use on this configuration. */
export function endpointEngineNames(enableTestEngine: boolean): string[] {
  return [...available(enableTestEngine).map((entry) => entry.name), RUNNER_ENGINE];
}

/** The in-process engines, built. */
export function createEngines(deps: EngineDeps, enableTestEngine: boolean): EngineRegistry {
  const registry = new EngineRegistry();
  for (const entry of available(enableTestEngine)) registry.register(entry.create(deps));
  return registry;
}
