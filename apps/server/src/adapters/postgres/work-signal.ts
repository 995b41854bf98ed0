/**
 * WorkSignal over PostgreSQL LISTEN/NOTIFY, so a task submitted on one replica wakes the workers
 * and long-polling runners of every replica at once. notify() is `pg_notify(channel, engine)` on a
 * pooled connection; one dedicated connection per process LISTENs and wakes the local sleepers that
 * serve that engine.
 *
 * Only a hint (see the port): a notify that fails is logged, and while the listener is down
 * (database restart, pg_terminate_backend, a network cut) notifications to this process are lost.
 * So the listener reconnects with backoff, and once it listens again it wakes every sleeper once:
 * each looks at the ledger for itself instead of sleeping through work that arrived meanwhile.
 */
import { CompiledQuery } from 'kysely';
import type pg from 'pg';
import type { WorkSignal } from '../../ports/work-signal.ts';
import type { PostgresHandle } from './open.ts';
import { translatePgError } from './pg-errors.ts';
import { Sleepers } from './sleepers.ts';

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
/** pg_notify refuses payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7999;

export interface PostgresWorkSignalOptions {
  /**
   * The NOTIFY channel. Default `vidforge_work`, or `vidforge_work_SCHEMA` when the handle has a
   * schema: notifications are per database, and deployments (or tests) in other schemas must not
   * wake each other.
   */
  channel?: string;
  /** First wait before reconnecting the listener; it doubles up to `reconnectMaxMs`. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export interface PostgresWorkSignal extends WorkSignal {
  readonly channel: string;
  /** The listening connection's backend pid; null while it reconnects (diagnostics and tests). */
  readonly listenerPid: number | null;
  /** Sleepers waiting now (for tests: nothing may linger after a wait ends). */
  readonly waiting: number;
}

export function defaultChannel(schema: string | undefined): string {
  return schema === undefined ? 'vidforge_work' : `vidforge_work_${schema}`;
}

/** Listens before returning, so a database that cannot be reached fails the boot here. */
export async function openPostgresWorkSignal(
  handle: Pick<PostgresHandle, 'executeQuery' | 'dedicatedClient' | 'log' | 'schema' | 'target'>,
  options: PostgresWorkSignalOptions = {},
): Promise<PostgresWorkSignal> {
  const channel = options.channel ?? defaultChannel(handle.schema);
  if (!CHANNEL.test(channel)) {
    throw new Error(`channel must be 1..63 characters of a-z 0-9 _ starting with a letter or _, got ${channel}`);
  }
  const minMs = options.reconnectMinMs ?? 100;
  const maxMs = Math.max(minMs, options.reconnectMaxMs ?? 5_000);
  const { log } = handle;
  const sleepers = new Sleepers();
  const notifyQuery = (engine: string) => CompiledQuery.raw('select pg_notify($1, $2)', [channel, engine]);

  let closed = false;
  let client: pg.Client | null = null;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  /** Listener connections that have closed, should one close before it becomes `client`. */
  const ended = new WeakSet<pg.Client>();

  async function listen(): Promise<pg.Client> {
    const next = handle.dedicatedClient('listener');
    // Errors of this connection are handled by 'end' below; an unhandled 'error' would end the process.
    next.on('error', () => {});
    next.once('end', () => {
      ended.add(next);
      lost(next);
    });
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) sleepers.wake(message.payload);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
    } catch (error) {
      await next.end().catch(() => {});
      throw translatePgError(error);
    }
    return next;
  }

  function lost(which: pg.Client): void {
    if (closed || client !== which) return;
    client = null;
    log.warn({ channel }, `the work-signal listener lost its connection to ${handle.target}; reconnecting`);
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    const delay = Math.min(maxMs, minMs * 2 ** Math.min(failures, 20));
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      listen().then(
        (next) => {
          if (closed) {
            void next.end().catch(() => {});
            return;
          }
          client = next;
          failures = 0;
          if (ended.has(next)) {
            lost(next);
            return;
          }
          // Whatever was notified while nobody listened is lost: every sleeper looks for itself.
          sleepers.wakeAll();
        },
        (err: unknown) => {
          failures++;
          if (closed) return;
          log.warn({ err, channel }, 'the work-signal listener could not reconnect; trying again');
          scheduleReconnect();
        },
      );
    }, delay);
    // A process that is otherwise done must not be kept alive by reconnect attempts.
    reconnectTimer.unref();
  }

  client = await listen();
  if (ended.has(client)) throw new Error(`the work-signal listener's connection to ${handle.target} closed at once`);

  return {
    channel,
    get listenerPid() {
      return (client as (pg.Client & { processID?: number }) | null)?.processID ?? null;
    },
    get waiting() {
      return sleepers.size;
    },

    notify(engine) {
      if (closed) return;
      if (engine === '' || Buffer.byteLength(engine) > MAX_PAYLOAD_BYTES) {
        log.warn(
          { channel, engine: engine.slice(0, 100) },
          'not notifying: the engine name cannot be a NOTIFY payload',
        );
        return;
      }
      handle.executeQuery(notifyQuery(engine)).catch((err: unknown) => {
        log.warn(
          { err, channel, engine },
          'could not notify other processes of new work; they will find it when they poll',
        );
      });
    },

    wait(engines, ms, signal) {
      if (closed) return Promise.resolve();
      return sleepers.wait(engines, ms, signal);
    },

    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(reconnectTimer);
      sleepers.wakeAll();
      const last = client;
      client = null;
      await last?.end().catch(() => {});
    },
  };
}
