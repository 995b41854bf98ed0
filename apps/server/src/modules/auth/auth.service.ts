/**
 * Who is calling and which endpoint they may use. Unknown and revoked keys are 401; an endpoint
 * that does not exist and one the key may not use are the same 404, so paths cannot be probed.
 */

import { timingSafeEqual } from 'node:crypto';
import { ENDPOINT_PATH_PATTERN } from '@vidforge/contract';
import { ApiError } from '../../http/api-error.ts';
import type { AccessKeyRecord, AccessStore, EndpointRecord } from '../../ports/access-store.ts';
import { bearerToken, hashAccessKey } from './secrets.ts';

export interface Caller {
  key: AccessKeyRecord;
  endpoint: EndpointRecord;
}

export function createAuthService(access: AccessStore) {
  async function authenticate(authorization: string | undefined): Promise<AccessKeyRecord> {
    const secret = bearerToken(authorization);
    if (!secret) {
      throw new ApiError('UNAUTHORIZED', 'Missing or malformed Authorization header; expected "Bearer <AccessKey>"');
    }
    const hash = hashAccessKey(secret);
    const key = await access.keyByHash(hash);
    // The lookup is by hash already; the recheck keeps the final comparison constant-time.
    if (!key || !timingSafeEqual(Buffer.from(key.hash, 'hex'), Buffer.from(hash, 'hex'))) {
      throw new ApiError('UNAUTHORIZED', 'Unknown or revoked access key');
    }
    return key;
  }

  async function resolveEndpoint(key: AccessKeyRecord, path: string): Promise<EndpointRecord> {
    const endpoint = ENDPOINT_PATH_PATTERN.test(path) ? await access.endpointByPath(path) : null;
    if (!endpoint || !key.endpointIds.includes(endpoint.id)) {
      throw new ApiError('ENDPOINT_NOT_FOUND', 'No such endpoint for this access key');
    }
    return endpoint;
  }

  return {
    authenticate,
    resolveEndpoint,
    async authorize(authorization: string | undefined, endpointPath: string): Promise<Caller> {
      const key = await authenticate(authorization);
      return { key, endpoint: await resolveEndpoint(key, endpointPath) };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
