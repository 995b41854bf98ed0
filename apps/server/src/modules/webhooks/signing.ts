/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is `whsec_` followed
 * by base64 of random bytes; the signature is `v1,` + base64 HMAC-SHA256, keyed with those bytes,
 * of `${webhook-id}.${webhook-timestamp}.${body}`. Receivers verify with any Standard Webhooks
 * library (the `standardwebhooks` packages, the `openai` SDK's `webhooks.unwrap`).
 */
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

/** 32 random bytes: the key size of HMAC-SHA256. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three headers of one attempt; `timestampS` is this attempt's time in epoch seconds. */
export function signWebhook(secret: string, id: string, timestampS: number, body: string): SignedHeaders {
  const signature = createHmac('sha256', keyOf(secret)).update(`${id}.${timestampS}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampS), 'webhook-signature': `v1,${signature}` };
}
