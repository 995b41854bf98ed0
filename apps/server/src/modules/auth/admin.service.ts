/**
 * Operator actions on endpoints and keys, shared by the admin CLI and the first-run bootstrap.
 * Plain keys leave this module exactly once, as the return value of createKey.
 */
import { ENDPOINT_PATH_PATTERN } from '@vidforge/contract';
import { RUNNER_ENGINE, runnerSettingsProblem } from '../../engines/runner-family.ts';
import { redactSettings, UPSTREAM_ENGINE, upstreamSettingsProblem } from '../../engines/upstream/upstream-settings.ts';
import {
  type AccessKeyRecord,
  type AccessStore,
  DEFAULT_KEY_LIMITS,
  type EndpointRecord,
  type KeyLimits,
} from '../../ports/access-store.ts';
import type { Clock } from '../../ports/clock.ts';
import { limitsProblem } from '../limits/rate-spec.ts';
import { displayPrefix, generateAccessKey, generateEndpointPath, generateId, hashAccessKey } from './secrets.ts';

export class AdminError extends Error {
  override name = 'AdminError';
}

const KEY_PATTERN = /^[A-Za-z0-9_-]{16,200}$/;

/** Engines whose endpoints need settings of a certain shape, and the check of that shape. */
const SETTINGS_CHECKS: Record<string, (settings: Record<string, unknown>) => string | null> = {
  [RUNNER_ENGINE]: runnerSettingsProblem,
  [UPSTREAM_ENGINE]: upstreamSettingsProblem,
};

/**
 * An endpoint as operators see it (listings, --json output): secrets in its settings (an upstream's
 * credential) are replaced by "***". The stored record keeps them for the engine.
 */
export function redactEndpoint(endpoint: EndpointRecord): EndpointRecord {
  return { ...endpoint, settings: redactSettings(endpoint.settings) };
}

export function createAdminService(access: AccessStore, clock: Clock, engineNames: readonly string[]) {
  async function findEndpoint(idOrPath: string): Promise<EndpointRecord> {
    const endpoint = (await access.endpointById(idOrPath)) ?? (await access.endpointByPath(idOrPath));
    if (!endpoint) throw new AdminError(`No endpoint with id or path "${idOrPath}"`);
    return endpoint;
  }

  return {
    findEndpoint: async (idOrPath: string) => redactEndpoint(await findEndpoint(idOrPath)),

    async createEndpoint(input: {
      engine: string;
      name?: string;
      path?: string;
      settings?: Record<string, unknown>;
    }): Promise<EndpointRecord> {
      if (!engineNames.includes(input.engine)) {
        throw new AdminError(`Unknown engine "${input.engine}"; known engines: ${engineNames.join(', ')}`);
      }
      const settings = input.settings ?? {};
      const settingsProblem = SETTINGS_CHECKS[input.engine]?.(settings) ?? null;
      if (settingsProblem) throw new AdminError(settingsProblem);
      const path = input.path ?? generateEndpointPath();
      if (!ENDPOINT_PATH_PATTERN.test(path)) {
        throw new AdminError('An endpoint path must be 4..64 characters of A-Z a-z 0-9 _ -');
      }
      if (await access.endpointByPath(path)) throw new AdminError(`Endpoint path "${path}" is taken`);
      const endpoint: EndpointRecord = {
        id: generateId(),
        path,
        engine: input.engine,
        settings,
        name: input.name ?? null,
        createdAt: clock.now(),
      };
      await access.createEndpoint(endpoint);
      return redactEndpoint(endpoint);
    },

    async deleteEndpoint(idOrPath: string): Promise<EndpointRecord> {
      const endpoint = await findEndpoint(idOrPath);
      await access.deleteEndpoint(endpoint.id);
      return redactEndpoint(endpoint);
    },

    listEndpoints: async () => (await access.listEndpoints()).map(redactEndpoint),

    /** Returns the plain key: show it once, it is not stored. */
    async createKey(input: {
      name?: string;
      endpoints?: string[];
      key?: string;
      limits?: Partial<KeyLimits>;
    }): Promise<{ key: string; record: AccessKeyRecord }> {
      const limitsError = input.limits ? limitsProblem(input.limits) : null;
      if (limitsError) throw new AdminError(limitsError);
      const key = input.key ?? generateAccessKey();
      if (!KEY_PATTERN.test(key)) throw new AdminError('An access key must be 16..200 characters of A-Z a-z 0-9 _ -');
      const hash = hashAccessKey(key);
      if (await access.keyByHash(hash)) throw new AdminError('This access key already exists');
      const endpoints = await Promise.all((input.endpoints ?? []).map(findEndpoint));
      const record: AccessKeyRecord = {
        id: generateId(),
        prefix: displayPrefix(key),
        name: input.name ?? null,
        createdAt: clock.now(),
        revokedAt: null,
        lastUsedAt: null,
        endpointIds: [...new Set(endpoints.map((e) => e.id))],
        limits: { ...DEFAULT_KEY_LIMITS, ...input.limits },
      };
      const { id, prefix, name, createdAt, limits } = record;
      await access.createKey({ id, prefix, name, createdAt, hash, limits });
      for (const endpointId of record.endpointIds) await access.grant(id, endpointId);
      return { key, record };
    },

    listKeys: () => access.listKeys(),

    /** Idempotent: revoking a revoked key keeps its first revocation time. */
    async revokeKey(id: string): Promise<void> {
      if (!(await access.revokeKey(id, clock.now()))) throw new AdminError(`No key with id "${id}"`);
    },

    /**
     * Sets the limits given, leaving the others as they are (`null`: back to the server's default).
     * Takes effect on every replica's next request: the change moves the access version.
     */
    async updateKeyLimits(id: string, limits: Partial<KeyLimits>): Promise<AccessKeyRecord> {
      const problem = limitsProblem(limits);
      if (problem) throw new AdminError(problem);
      if (!(await access.updateKeyLimits(id, limits))) throw new AdminError(`No key with id "${id}"`);
      const key = (await access.listKeys()).find((k) => k.id === id);
      if (!key) throw new AdminError(`No key with id "${id}"`);
      return key;
    },

    async grant(keyId: string, endpointIdOrPath: string): Promise<EndpointRecord> {
      const endpoint = await findEndpoint(endpointIdOrPath);
      if (!(await access.listKeys()).some((k) => k.id === keyId && k.revokedAt === null)) {
        throw new AdminError(`No active key with id "${keyId}"`);
      }
      await access.grant(keyId, endpoint.id);
      return redactEndpoint(endpoint);
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
