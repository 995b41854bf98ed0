/** Standard Webhooks signatures checked by the independent package; the retry schedule's bounds. */
import OpenAI from 'openai';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createRetrySchedule } from '../../src/modules/webhooks/retry-schedule.ts';
import { generateWebhookSecret, signWebhook } from '../../src/modules/webhooks/signing.ts';

describe('webhook signing', () => {
  it('signs so that standardwebhooks verifies, and refuses a changed body or another secret', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: 'task.succeeded', timestamp: new Date().toISOString(), data: { taskId: 't' } });
    const headers = signWebhook(secret, 'msg_1', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toMatchObject({ data: { taskId: 't' } });
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow();
  });

  it('verifies with the openai SDK’s webhooks.unwrap, as docs/webhooks.md says', async () => {
    const secret = generateWebhookSecret();
    const client = new OpenAI({ apiKey: 'unused', webhookSecret: secret });
    const body = JSON.stringify({ type: 'task.failed', timestamp: new Date().toISOString(), data: { taskId: 't' } });
    const headers = signWebhook(secret, 'msg_2', Math.floor(Date.now() / 1000), body);
    expect(await client.webhooks.unwrap(body, { ...headers })).toMatchObject({ type: 'task.failed' });
    await expect(
      client.webhooks.unwrap(body.replace('task.failed', 'task.succeeded'), { ...headers }),
    ).rejects.toThrow();
  });
});

describe('webhook retry schedule', () => {
  it('waits base·2^(n-1), capped, with jitter in [d/2, d], and gives up at the first failure past the window', () => {
    const low = createRetrySchedule({ baseMs: 1_000, maxMs: 8_000, forMs: 60_000 }, () => 0);
    const high = createRetrySchedule({ baseMs: 1_000, maxMs: 8_000, forMs: 60_000 }, () => 1);
    expect([1, 2, 3, 4, 5, 9].map((n) => low.next(n, 0, 0))).toEqual([500, 1_000, 2_000, 4_000, 4_000, 4_000]);
    expect([1, 2, 3, 4, 5, 9].map((n) => high.next(n, 0, 0))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    expect(low.next(7, 0, 59_999)).toBe(63_999);
    expect(low.next(8, 0, 60_000)).toBeNull();
  });

  it('keeps trying for at least 24 hours with the defaults', () => {
    const schedule = createRetrySchedule({ baseMs: 10_000, maxMs: 2 * 3_600_000, forMs: 24 * 3_600_000 }, () => 0);
    let now = 0;
    let attempts = 0;
    for (let next = schedule.next(1, 0, now); next !== null; next = schedule.next(++attempts + 1, 0, now)) now = next;
    expect(now).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(attempts).toBeLessThan(40);
  });
});
