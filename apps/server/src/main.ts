/**
 * The composition root: config → adapters → services → app → listen, and the orderly way down.
 * This is the only place that chooses implementations (house rule 3).
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CLAIM_WAIT_MAX_MS } from '@vidforge/contract';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createFsBlobStore } from './adapters/blob-fs/fs-blob-store.ts';
import { type App, buildApp } from './app.ts';
import { buildAdapters } from './boot/build-adapters.ts';
import { prepareDataDir } from './boot/data-dir.ts';
import { listenError } from './boot/listen-error.ts';
import { createLogger } from './boot/logger.ts';
import { StartupError } from './boot/startup-error.ts';
import type { ServerConfig } from './config/config.schema.ts';
import { ConfigError, defaultPublicUrl, envName } from './config/load-config.ts';
import { createEngines, endpointEngineNames } from './engines/catalog.ts';
import { connectionCap } from './http/descriptor-budget.ts';
import { createAdminService } from './modules/auth/admin.service.ts';
import { createAuthService } from './modules/auth/auth.service.ts';
import { type BootstrapResult, bootstrapAccess } from './modules/auth/bootstrap.ts';
import { loadConsoleBundle } from './modules/console/console-bundle.ts';
import { createRateLimiter } from './modules/limits/rate-limiter.ts';
import { createReaper } from './modules/maintenance/reaper.ts';
import { checkFfmpeg, createSafeFetcher, FfmpegCheckError } from './modules/media/index.ts';
import { buildMetricsApp, createMetrics, registerQueueMetrics, registerUsageMetrics } from './modules/metrics/index.ts';
import { createOpenAiApi } from './modules/openai/index.ts';
import { createLocalMediaUrls } from './modules/results/local-media-urls.ts';
import { withOwnMediaSources } from './modules/results/own-media-source.ts';
import { loadSigningSecrets } from './modules/results/signing-secrets.ts';
import { createUrlSigner } from './modules/results/url-signer.ts';
import { createRunnerService } from './modules/runners/runner.service.ts';
import { createTaskSources } from './modules/runners/task-sources.ts';
import { createQueueInfo } from './modules/tasks/queue-info.ts';
import { isFinished } from './modules/tasks/task-state.ts';
import { announcingWrites, createTaskStreams } from './modules/tasks/task-streams.ts';
import { createTaskView } from './modules/tasks/task-view.ts';
import { createTasksService } from './modules/tasks/tasks.service.ts';
import { createUploads, withUploadedSources } from './modules/uploads/uploads.ts';
import { createWebhookWorker } from './modules/webhooks/delivery-worker.ts';
import { withOutboxWakeups } from './modules/webhooks/outbox-wakeups.ts';
import { createRetrySchedule } from './modules/webhooks/retry-schedule.ts';
import { createWebhookSender } from './modules/webhooks/webhook-sender.ts';
import { createFaultContainment } from './modules/workers/fault-containment.ts';
import { createRetryPolicy } from './modules/workers/retry-policy.ts';
import { createTaskRunner } from './modules/workers/task-runner.ts';
import { isProcessRunning, workerIdPrefixOf, workerIdsOf } from './modules/workers/worker-identity.ts';
import { createWorkerPool } from './modules/workers/worker-pool.ts';
import type { BlobStore } from './ports/blob-store.ts';
import { type Clock, systemClock } from './ports/clock.ts';
import { StorageUnavailableError } from './ports/storage-errors.ts';

export interface RunningServer {
  app: App['app'];
  /** The routes as registered, each with its contract operation (app.ts). */
  routes: App['routes'];
  /** Where it listens, e.g. http://127.0.0.1:8080; empty without the `api` role. */
  url: string;
  /** Where the metrics listener listens (`metricsPort`), e.g. http://127.0.0.1:9464; empty: none. */
  metricsUrl: string;
  /** The origin used in media URLs (configured, or `url`). */
  publicUrl: string;
  config: ServerConfig;
  bootstrap: BootstrapResult;
  log: Logger;
  /**
   * For the process's `uncaughtException` handler: true when the error came from a task's work and
   * only that task failed; false when it is the server's own fault (then the process should end).
   */
  containFault(error: unknown): boolean;
  /** SIGTERM behaviour: 503 for new requests, in-flight ones finish, running tasks released. */
  stop(): Promise<void>;
}

/** How often a streamed PENDING task's place in line is looked at again (a poll's worth of work). */
const SSE_QUEUE_REFRESH_MS = 1_000;

/** Hosts only this machine can reach: an open /metrics there is not worth a warning. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startServer(
  config: ServerConfig,
  options: { clock?: Clock; log?: Logger } = {},
): Promise<RunningServer> {
  // Leases and deadlines are written in the storage's clock (the database's in a fleet), known only
  // once it is open; what runs before reads the same clock through this indirection.
  let storageClock: Clock = options.clock ?? systemClock;
  const clock: Clock = { now: () => storageClock.now() };
  const log = options.log ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const events = metrics.tasks;
  const scrape = { registry: metrics.registry, token: config.metricsToken };
  const dataDir = await prepareDataDir(config.dataDir, ['media', 'work']);
  const tools = await checkFfmpeg(config.media).catch((error: unknown) => {
    throw error instanceof FfmpegCheckError ? new StartupError('dependency', error.message, { cause: error }) : error;
  });
  const ffmpeg = { ...tools, observe: metrics.processes };
  const signer = createUrlSigner({
    ...(await loadSigningSecrets(dataDir, config.signingSecret, config.signingSecrets)),
    maxTtlMs: config.mediaUrlTtlMs,
  });
  // Known only after listen() when not configured (port 0 picks a free port).
  let publicUrl = config.publicUrl ?? '';
  // Before the database opens: a bucket that cannot be used stops the boot with nothing to undo.
  const { blobs, closeBlobs } = await openBlobStore(config, {
    mediaDir: join(dataDir, 'media'),
    urlFor: createLocalMediaUrls({ signer, publicUrl: () => publicUrl, clock }),
    clock,
  });
  const storage = await buildAdapters(config, dataDir, { clock: options.clock, log });
  storageClock = storage.clock;
  const { signal, access } = storage;
  // Writes that may put a webhook event in the outbox wake the delivery workers of every process,
  // and this process's own writes reach its live-progress streams at once (others' within a tick).
  let pokeStreams = (_taskId: string) => {};
  const ledger = announcingWrites(withOutboxWakeups(storage.ledger, signal), (taskId) => pokeStreams(taskId));
  const host = hostname();
  const identity = await storage.slots.claim(host, process.pid, isProcessRunning, clock.now());
  const workerIdPrefix = workerIdPrefixOf(host, identity.slot);

  const engines = createEngines({ ffmpeg, media: config.media }, config.enableTestEngine);

  const retry = createRetryPolicy({ baseMs: config.retryBaseMs, maxMs: config.retryMaxMs });
  const ownMediaFetcher = withOwnMediaSources(createSafeFetcher({ ...config.media, observer: metrics.fetches }), {
    publicUrl: () => publicUrl,
    signer,
    tasks: ledger,
    blobs,
    clock,
    media: config.media,
  });
  const workRoot = join(dataDir, 'work');
  const uploads = { blobs, signer, clock, media: config.media, publicUrl: () => publicUrl, workRoot, log };
  const fetcher = withUploadedSources(ownMediaFetcher, { ...uploads, retentionMs: config.retentionMs });
  const uploadStore = createUploads({ ...uploads, retentionMs: config.retentionMs });
  const faults = createFaultContainment(log);
  const runTask = createTaskRunner({
    ledger,
    signal,
    blobs,
    access,
    engines,
    fetcher,
    faults,
    retry,
    clock,
    workRoot,
    leaseMs: config.leaseMs,
    progressIntervalMs: config.progressIntervalMs,
    retentionMs: config.retentionMs,
    events,
    log,
  });
  const roles = new Set(config.role);
  const workers = createWorkerPool({
    ledger,
    signal,
    run: runTask,
    clock,
    engines: engines.names(),
    concurrency: roles.has('worker') ? config.workers : 0,
    leaseMs: config.leaseMs,
    pollIntervalMs: config.pollIntervalMs,
    workerIdPrefix,
    log,
  });
  const sources = createTaskSources({
    blobs,
    fetcher,
    signer,
    clock,
    workRoot,
    publicUrl: () => publicUrl,
    maxUrlTtlMs: config.mediaUrlTtlMs,
  });
  /** A task ended outside its worker (cancel, timeout, reaped lease): stop local work, drop its staged source. */
  const onFinished = (taskId: string) => {
    workers.abort(taskId);
    void ledger
      .get(taskId)
      .then((task) => (task && isFinished(task.status) ? sources.remove(taskId) : undefined))
      .catch((err) => log.warn({ err, taskId }, 'could not delete a staged source'));
  };
  const runners = createRunnerService({
    runners: storage.runners,
    ledger,
    signal,
    access,
    blobs,
    sources,
    faults,
    retry,
    clock,
    media: config.media,
    workRoot,
    leaseMs: config.leaseMs,
    retentionMs: config.retentionMs,
    pollIntervalMs: config.pollIntervalMs,
    onFinished,
    events,
    log,
  });
  // An idle runner long-polls at least every CLAIM_WAIT_MAX_MS; a busy one heartbeats within a lease.
  const runnerSeenWithinMs = Math.max(2 * CLAIM_WAIT_MAX_MS, config.leaseMs);
  const taskView = createTaskView({
    blobs,
    mediaUrlTtlMs: config.mediaUrlTtlMs,
    queue: createQueueInfo({ ledger, runners: storage.runners, clock, runnerSeenWithinMs }),
  });
  const streams =
    config.sseMaxStreams === 0
      ? undefined
      : createTaskStreams({
          ledger,
          view: taskView,
          clock,
          tickMs: config.sseTickMs,
          heartbeatMs: config.sseHeartbeatMs,
          queueRefreshMs: SSE_QUEUE_REFRESH_MS,
          maxStreams: config.sseMaxStreams,
          maxStreamsPerKey: config.sseMaxStreamsPerKey,
          observer: metrics.streams,
          log,
        });
  if (streams) pokeStreams = streams.poke;
  const tasksService = createTasksService({
    ledger,
    signal,
    clock,
    view: taskView,
    taskTimeoutMs: config.taskTimeoutMs,
    maxAttempts: config.maxAttempts,
    idempotencyTtlMs: config.idempotencyTtlMs,
    maxPendingPerEngine: config.maxPendingPerEngine,
    defaultKeyConcurrency: config.keyConcurrency,
    onFinished,
    events,
  });
  const admin = createAdminService(access, clock, endpointEngineNames(config.enableTestEngine));
  // Replicas starting together on an empty database must not both create the first endpoint and key.
  const bootstrap = await storage.exclusive('bootstrap', () =>
    bootstrapAccess(access, admin, {
      endpointPath: config.bootstrapEndpoint,
      key: config.bootstrapKey,
      engine: 'preview',
    }),
  );

  const { app, routes, startDraining } = buildApp({
    auth: createAuthService(access),
    limiter: createRateLimiter({
      counters: storage.rateCounters,
      clock,
      defaults: { rate: config.keyRate, pollRate: config.keyPollRate, concurrency: config.keyConcurrency },
    }),
    tasksService,
    streams,
    tasks: ledger,
    blobs,
    signer,
    clock,
    bodyLimitBytes: config.bodyLimitBytes,
    corsOrigins: config.corsOrigins,
    limits: {
      headersTimeoutMs: config.headersTimeoutMs,
      bodyTimeoutMs: config.bodyTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      maxConnections: connectionCap(config.maxConnections, log),
    },
    // Readiness is a real write, and the file must still be the one opened: a read-only, full,
    // locked, deleted or replaced database makes the server unready.
    ping: async () => {
      storage.checkStorage();
      if (!(await storage.slots.touch(host, identity.slot, process.pid, clock.now()))) {
        throw new StorageUnavailableError('Storage unavailable: this server no longer holds its slot in the database');
      }
    },
    logger: log.child({ component: 'http' }),
    runners,
    sources,
    faults,
    console: config.console ? await loadConsoleBundle() : undefined,
    // With a metrics port of its own, /metrics is served there only: off the public API port.
    metrics: { http: metrics.http, route: config.metricsPort === undefined ? scrape : undefined },
    openai: createOpenAiApi({ ...uploads, uploadStore, tasks: tasksService, ffmpeg, retentionMs: config.retentionMs }),
    uploads: { uploads: uploadStore, media: config.media },
  });

  const reaper = createReaper({
    ledger,
    signal,
    leader: storage.leader,
    orphanSweepIntervalMs: config.orphanSweepIntervalMs,
    webhooks: { store: storage.webhooks, retentionMs: config.webhookRetentionMs },
    blobs,
    clock,
    retry,
    taskTimeoutMs: config.taskTimeoutMs,
    onFinished,
    events,
    log,
  });
  registerUsageMetrics(metrics.registry, { usage: storage.usage, log });
  registerQueueMetrics(metrics.registry, {
    ledger,
    runners: storage.runners,
    clock,
    engines: engines.names(),
    runnerSeenWithinMs,
    log,
  });
  if (roles.has('worker') && identity.predecessorPid !== null) {
    const reclaimed = await reaper.reclaim(workerIdsOf(workerIdPrefix));
    if (reclaimed > 0)
      log.info(
        { reclaimed, predecessorPid: identity.predecessorPid },
        'took back the tasks a killed predecessor was running',
      );
  }
  // Webhook deliveries go out from worker-role processes, off every request path.
  const webhookWorker = roles.has('worker')
    ? createWebhookWorker({
        store: storage.webhooks,
        ledger,
        view: taskView,
        signal,
        clock,
        send: createWebhookSender({ allowlist: config.media.fetchAllow, timeoutMs: config.webhookTimeoutMs }),
        schedule: createRetrySchedule({
          baseMs: config.webhookRetryBaseMs,
          maxMs: config.webhookRetryMaxMs,
          forMs: config.webhookRetryForMs,
        }),
        concurrency: config.webhookConcurrency,
        pollIntervalMs: config.webhookPollIntervalMs,
        // An attempt ends within its timeout; past twice that, its worker is taken for dead.
        leaseMs: 2 * config.webhookTimeoutMs + 1_000,
        observer: metrics.webhooks,
        log: log.child({ component: 'webhooks' }),
      })
    : null;
  let stopReaper = async () => {};
  if (roles.has('reaper')) {
    await reaper.tick();
    stopReaper = reaper.start(config.reaperIntervalMs);
  }
  const metricsApp = config.metricsPort === undefined ? null : buildMetricsApp(scrape);
  const listenOrUndo = async (server: FastifyInstance, port: number, setting: string) => {
    await server.listen({ host: config.host, port }).catch(async (error: unknown) => {
      await metricsApp?.close();
      await stopReaper();
      await storage.slots.release(host, identity.slot, process.pid);
      await storage.close();
      throw listenError(error, config.host, port, setting);
    });
    const address = server.server.address();
    return defaultPublicUrl(config.host, typeof address === 'object' && address ? address.port : port);
  };
  const metricsUrl =
    metricsApp && config.metricsPort !== undefined
      ? await listenOrUndo(metricsApp, config.metricsPort, 'VIDFORGE_METRICS_PORT')
      : '';
  const url = roles.has('api') ? await listenOrUndo(app, config.port, 'VIDFORGE_PORT') : '';
  publicUrl = config.publicUrl ?? url;
  if (metricsUrl) log.info({ metricsUrl }, 'metrics listener started');
  if ((metricsUrl || url) && !config.metricsToken && !LOOPBACK_HOSTS.has(config.host)) {
    log.warn(`GET /metrics is open to anyone who reaches ${config.host}: set VIDFORGE_METRICS_TOKEN`);
  }
  workers.start();
  webhookWorker?.start();

  let stopping: Promise<void> | null = null;
  return {
    app,
    routes,
    url,
    metricsUrl,
    publicUrl,
    config,
    bootstrap,
    log,
    containFault: faults.contain,
    stop() {
      stopping ??= (async () => {
        startDraining();
        // Streams end now (clients resume elsewhere with Last-Event-ID) rather than hold the drain.
        await streams?.close();
        // Long-polling runners get their answer now rather than holding the shutdown.
        runners.close();
        // Workers first: running tasks get the grace period, then are released to the queue.
        await workers.stop(config.shutdownGraceMs);
        await webhookWorker?.stop(config.shutdownGraceMs);
        await stopReaper();
        // close() waits for in-flight requests but skips sockets that never sent one (a
        // preconnect, or fetch's spare socket after an abort): cut those after the grace period.
        const force = setTimeout(() => app.server.closeAllConnections(), config.shutdownGraceMs);
        await app.close();
        clearTimeout(force);
        await metricsApp?.close();
        await storage.slots.release(host, identity.slot, process.pid);
        await storage.close();
        closeBlobs();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}

/**
 * Results go to S3 when a bucket is configured, otherwise to the data directory behind this API's
 * signed URLs. An unusable bucket is reported like a bad setting: one line, no stack.
 */
async function openBlobStore(
  config: ServerConfig,
  local: { mediaDir: string; urlFor: ReturnType<typeof createLocalMediaUrls>; clock: Clock },
): Promise<{ blobs: BlobStore; closeBlobs(): void }> {
  if (!config.s3Bucket) {
    return { blobs: createFsBlobStore(local.mediaDir, { urlFor: local.urlFor }), closeBlobs() {} };
  }
  // Loaded only when used: the AWS SDK takes about 0.4 s to import (measured on the 2-core dev
  // machine), which every CLI command would otherwise pay, since they import this file.
  const { openS3BlobStore, S3BucketError } = await import('./adapters/blob-s3/index.ts');
  try {
    const store = await openS3BlobStore({
      bucket: config.s3Bucket,
      endpoint: config.s3Endpoint,
      region: config.s3Region,
      forcePathStyle: config.s3ForcePathStyle,
      credentials:
        config.s3AccessKeyId && config.s3SecretAccessKey
          ? { accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey }
          : undefined,
      partSizeBytes: config.s3PartSizeBytes,
      clock: local.clock,
    });
    return { blobs: store, closeBlobs: () => store.close() };
  } catch (error) {
    if (error instanceof S3BucketError) throw new ConfigError([`s3Bucket (${envName('s3Bucket')}): ${error.message}`]);
    throw error;
  }
}
