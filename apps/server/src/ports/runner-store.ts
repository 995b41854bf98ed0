/** Remote runners and their tokens (docs/runner-protocol.md). Tokens are stored as SHA-256 only. */
import type { TaskType } from '@vidforge/contract';

export interface RunnerRecord {
  id: string;
  name: string | null;
  /** The readable start of the token, shown in listings; never enough to use it. */
  prefix: string;
  /** Engine families and operations the operator allows this runner to serve. */
  engines: string[];
  operations: TaskType[];
  /** The most tasks it may hold at once. */
  concurrency: number;
  createdAt: number;
  revokedAt: number | null;
  lastSeenAt: number | null;
}

export interface RunnerStore {
  create(runner: Omit<RunnerRecord, 'revokedAt' | 'lastSeenAt'> & { hash: string }): Promise<void>;
  list(): Promise<RunnerRecord[]>;
  get(id: string): Promise<RunnerRecord | null>;
  /** Active (not revoked) runner by the SHA-256 of its token. */
  byHash(hash: string): Promise<RunnerRecord | null>;
  /** Idempotent; false when there is no such runner. */
  revoke(id: string, now: number): Promise<boolean>;
  /** Records that the runner called; writes at most once per `minIntervalMs`. */
  touch(id: string, now: number, minIntervalMs: number): Promise<void>;
}
