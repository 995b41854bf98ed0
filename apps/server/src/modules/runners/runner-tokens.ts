/**
 * Runner tokens: 256 random bits behind a readable `vfr_` prefix, so a leaked one is recognisable
 * and can never be mistaken for (or accepted as) an access key. Stored as SHA-256 like keys.
 */
import { randomBytes } from 'node:crypto';

export const RUNNER_TOKEN_PREFIX = 'vfr_';

export function generateRunnerToken(): string {
  return `${RUNNER_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The worker id of a runner's leases; its running tasks are the open leases with this id. */
export const runnerWorkerId = (runnerId: string) => `runner:${runnerId}`;
