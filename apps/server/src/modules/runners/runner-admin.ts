/**
 * Operator actions on runners (`vidforge runners …`). The plain token leaves this module exactly
 * once, as the return value of createRunner.
 */
import { ENGINE_FAMILY_PATTERN, type RunnerInfo, TASK_TYPES, type TaskType } from '@vidforge/contract';
import type { Clock } from '../../ports/clock.ts';
import type { RunnerRecord, RunnerStore } from '../../ports/runner-store.ts';
import type { TaskLedger } from '../../ports/task-ledger.ts';
import { AdminError } from '../auth/admin.service.ts';
import { displayPrefix, generateId, hashAccessKey } from '../auth/secrets.ts';
import { generateRunnerToken, runnerWorkerId } from './runner-tokens.ts';

const CONCURRENCY_MAX = 64;
const NAME_MAX = 100;

export interface CreateRunnerInput {
  name?: string;
  engines: string[];
  operations?: TaskType[];
  concurrency?: number;
}

export function createRunnerAdmin(runners: RunnerStore, ledger: Pick<TaskLedger, 'openLeases'>, clock: Clock) {
  async function describe(list: RunnerRecord[]): Promise<RunnerInfo[]> {
    const leases = await ledger.openLeases(list.map((r) => runnerWorkerId(r.id)));
    return list.map(({ id, name, prefix, engines, operations, concurrency, createdAt, lastSeenAt, revokedAt }) => ({
      id,
      name,
      tokenPrefix: prefix,
      engines,
      operations,
      concurrency,
      createdAt,
      lastSeenAt,
      revokedAt,
      running: leases
        .filter((lease) => lease.workerId === runnerWorkerId(id))
        .map((lease) => ({
          taskId: lease.taskId,
          attempt: lease.attempt,
          progress: lease.progress,
          stage: lease.stage,
          leaseExpiresAt: lease.expiresAt,
        })),
    }));
  }

  return {
    /** Returns the plain token: show it once, it is not stored. */
    async createRunner(input: CreateRunnerInput): Promise<{ token: string; runner: RunnerInfo }> {
      const engines = [...new Set(input.engines)];
      const operations = [...new Set(input.operations ?? TASK_TYPES)];
      const concurrency = input.concurrency ?? 1;
      if (engines.length === 0) throw new AdminError('A runner needs at least one engine family (--engines)');
      const badEngine = engines.find((e) => !ENGINE_FAMILY_PATTERN.test(e));
      if (badEngine !== undefined) {
        throw new AdminError(
          `Engine family "${badEngine}" must be 1-64 of a-z 0-9 . _ - starting with a letter or digit`,
        );
      }
      const badOperation = operations.find((o) => !TASK_TYPES.includes(o));
      if (operations.length === 0 || badOperation !== undefined) {
        throw new AdminError(`Operations must be some of ${TASK_TYPES.join(', ')}`);
      }
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > CONCURRENCY_MAX) {
        throw new AdminError(`Concurrency must be an integer from 1 to ${CONCURRENCY_MAX}`);
      }
      if (input.name !== undefined && (input.name.length === 0 || input.name.length > NAME_MAX)) {
        throw new AdminError(`A runner name must be 1..${NAME_MAX} characters`);
      }
      const token = generateRunnerToken();
      const record: RunnerRecord = {
        id: generateId(),
        name: input.name ?? null,
        prefix: displayPrefix(token),
        engines,
        operations,
        concurrency,
        createdAt: clock.now(),
        revokedAt: null,
        lastSeenAt: null,
      };
      await runners.create({ ...record, hash: hashAccessKey(token) });
      const [runner] = await describe([record]);
      return { token, runner: runner! };
    },

    async listRunners(): Promise<RunnerInfo[]> {
      return describe(await runners.list());
    },

    /** Idempotent: revoking twice is fine. The runner's next call gets 401. */
    async revokeRunner(id: string): Promise<RunnerInfo> {
      if (!(await runners.revoke(id, clock.now()))) throw new AdminError(`No runner with id "${id}"`);
      const runner = await runners.get(id);
      const [info] = await describe([runner!]);
      return info!;
    },
  };
}

export type RunnerAdmin = ReturnType<typeof createRunnerAdmin>;
