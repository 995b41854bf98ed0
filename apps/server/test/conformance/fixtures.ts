/** Builders shared by the conformance suites. Times are explicit numbers; nothing reads a clock. */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { VideoInfo } from '@vidforge/contract';
import type { IdempotencyClaim, NewTask, TaskLedger } from '../../src/ports/task-ledger.ts';

/** A ledger on a fresh database. */
export interface LedgerFixture {
  ledger: TaskLedger;
  cleanup(): Promise<void>;
}

export type LedgerFactory = () => Promise<LedgerFixture>;

/** A base time far from zero, so "now - x" never goes negative in any test. */
export const T0 = 1_700_000_000_000;

export const ENGINE = 'preview';
export const ENDPOINT = 'ep_conformance_1';
export const KEY = 'key_conformance_1';

export const newId = (): string => randomBytes(16).toString('base64url');

export function newTask(overrides: Partial<NewTask> = {}): NewTask {
  return {
    id: newId(),
    endpointId: ENDPOINT,
    keyId: KEY,
    type: 'generate',
    engine: ENGINE,
    request: {
      prompt: 'A sunset over the ocean',
      negativePrompt: 'dark',
      config: { sourceImage: 'https://example.com/a.png' },
      settings: { seed: 42, duration: 4, aspectRatio: '9:16' },
    },
    seed: 42,
    maxAttempts: 3,
    createdAt: T0,
    deadlineAt: T0 + 600_000,
    ...overrides,
  };
}

export function idempotency(overrides: Partial<IdempotencyClaim> = {}): IdempotencyClaim {
  return {
    keyId: KEY,
    endpointId: ENDPOINT,
    key: 'idem-1',
    fingerprint: 'a'.repeat(64),
    expiresAt: T0 + 86_400_000,
    ...overrides,
  };
}

export const VIDEO: VideoInfo = { width: 1280, height: 720, fps: 24, durationSeconds: 4, hasAudio: false };

/** Creates a task and fails the test if the ledger did not create it. */
export async function createTask(ledger: TaskLedger, overrides: Partial<NewTask> = {}): Promise<NewTask> {
  const task = newTask(overrides);
  const result = await ledger.create(task);
  if (result.kind !== 'created') throw new Error(`expected created, got ${result.kind}`);
  return task;
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
