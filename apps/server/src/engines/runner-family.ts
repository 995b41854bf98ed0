/**
 * Endpoints of engine `runner` hand their tasks to remote runners (docs/runner-protocol.md). Such an
 * endpoint names a model family in its settings; its tasks are queued under `runner:<family>`, an
 * engine name no in-process worker claims.
 */
import { ENGINE_FAMILY_PATTERN } from '@vidforge/contract';

export const RUNNER_ENGINE = 'runner';
const QUEUE_PREFIX = 'runner:';

export const runnerQueueEngine = (family: string) => `${QUEUE_PREFIX}${family}`;

/** The family of a queued task's engine, or null for an in-process engine. */
export function runnerFamilyOf(taskEngine: string): string | null {
  return taskEngine.startsWith(QUEUE_PREFIX) ? taskEngine.slice(QUEUE_PREFIX.length) : null;
}

/** The engine a task submitted to this endpoint is queued under. */
export function taskEngineOf(endpoint: { engine: string; settings: Record<string, unknown> }): string {
  return endpoint.engine === RUNNER_ENGINE ? runnerQueueEngine(String(endpoint.settings.family)) : endpoint.engine;
}

/** Why these settings cannot make a runner endpoint, or null when they can. */
export function runnerSettingsProblem(settings: Record<string, unknown>): string | null {
  const family = settings.family;
  if (typeof family !== 'string' || !ENGINE_FAMILY_PATTERN.test(family)) {
    return 'An endpoint of engine "runner" needs settings.family: the model family its runners serve (1-64 of a-z 0-9 . _ -)';
  }
  return null;
}
