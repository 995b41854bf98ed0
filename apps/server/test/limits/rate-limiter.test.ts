/**
 * The rate limiter over real SQLite counters: headers, refusals, and the memo of spent budgets
 * that keeps a client hammering past its limit from costing a database write per request.
 */
import { join } from 'node:path';
import type { FastifyReply } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import type { ApiError } from '../../src/http/api-error.ts';
import { createRateLimiter } from '../../src/modules/limits/rate-limiter.ts';
import type { AccessKeyRecord, KeyLimits } from '../../src/ports/access-store.ts';
import type { RateCounters } from '../../src/ports/rate-counters.ts';
import { tempDir } from '../support/temp-dir.ts';

const HOUR = 3_600_000;
const T = Math.ceil(1_700_000_000_000 / HOUR) * HOUR;

const keyWith = (id: string, limits: Partial<KeyLimits>): AccessKeyRecord => ({
  id,
  prefix: 'vf_x',
  name: null,
  createdAt: 0,
  revokedAt: null,
  lastUsedAt: null,
  endpointIds: [],
  limits: { rate: null, pollRate: null, concurrency: null, ...limits },
});

function replyRecorder() {
  const headers: Record<string, string> = {};
  const reply = {
    header(name: string, value: string) {
      headers[name] = value;
      return reply;
    },
  };
  return { headers, reply: reply as unknown as FastifyReply };
}

describe('rate limiter', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let adapters: ReturnType<typeof openSqliteAdapters>;
  let takes: number;
  let now: number;
  let counting: RateCounters;

  beforeEach(async () => {
    dir = await tempDir('vidforge-limiter-');
    adapters = openSqliteAdapters({ file: join(dir.path, 'vidforge.db') });
    takes = 0;
    now = T + 1000;
    counting = {
      take: (...args) => {
        takes++;
        return adapters.rateCounters.take(...args);
      },
    };
  });
  afterEach(async () => {
    await adapters.close();
    await dir.remove();
  });

  const limiter = (maxRemembered?: number) =>
    createRateLimiter({
      counters: counting,
      clock: { now: () => now },
      defaults: { rate: { count: 0, windowSeconds: 1 }, pollRate: { count: 2, windowSeconds: 60 }, concurrency: 0 },
      maxRemembered,
    });

  async function admit(l: ReturnType<typeof limiter>, key: AccessKeyRecord, bucket: 'poll' | 'submit' = 'poll') {
    const { headers, reply } = replyRecorder();
    const error = await l.admit(key, bucket, reply).then(
      () => null,
      (e: unknown) => e as ApiError,
    );
    return { headers, error };
  }

  it('refuses past the budget without writing again until the window ends', async () => {
    const l = limiter();
    const key = keyWith('k1', {});
    expect((await admit(l, key)).error).toBeNull();
    expect((await admit(l, key)).headers).toEqual({
      'ratelimit-policy': '"poll";q=2;w=60',
      ratelimit: '"poll";r=0;t=59',
    });
    const refused = await admit(l, key);
    expect(refused.error?.code).toBe('RATE_LIMITED');
    expect(refused.error?.retryAfter).toBe(59);
    expect(refused.headers.ratelimit).toBe('"poll";r=0;t=59');
    for (let i = 0; i < 20; i++) expect((await admit(l, key)).error?.code).toBe('RATE_LIMITED');
    expect(takes).toBe(3);

    now += 60_000;
    expect((await admit(l, key)).error).toBeNull();
    expect(takes).toBe(4);
  });

  it('takes a raised limit at once, and writes nothing for an unlimited budget', async () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) await admit(l, keyWith('k1', {}));
    const raised = keyWith('k1', { pollRate: { count: 5, windowSeconds: 60 } });
    expect((await admit(l, raised)).error).toBeNull();
    const before = takes;
    const { headers, error } = await admit(l, raised, 'submit');
    expect(error).toBeNull();
    expect(headers).toEqual({});
    expect(takes).toBe(before);
  });

  it('remembers a bounded number of spent budgets, forgetting the oldest', async () => {
    const l = limiter(1);
    for (const id of ['a', 'b']) for (let i = 0; i < 3; i++) await admit(l, keyWith(id, {}));
    const before = takes;
    expect((await admit(l, keyWith('a', {}))).error?.code).toBe('RATE_LIMITED');
    // "a" was forgotten when "b" was spent: asked the database again, which still refuses.
    expect(takes).toBe(before + 1);
  });
});
