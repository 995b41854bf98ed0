/**
 * buildApp(deps): the HTTP application without listening, so tests can `inject` into it.
 * Everything it needs arrives through `deps`; nothing here opens a file or a socket.
 */
import type { Operation } from '@vidforge/contract';
import { buildOpenApiDocument } from '@vidforge/contract/openapi';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { ApiError } from './http/api-error.ts';
import { onClientError } from './http/client-errors.ts';
import { createCors } from './http/cors.ts';
import { installErrorHandling, sendError } from './http/error-handler.ts';
import { type HttpLimits, serverOptionsFor, watchBodyDeadline } from './http/http-limits.ts';
import { requestIdOf } from './http/request-id.ts';
import type { AuthService } from './modules/auth/auth.service.ts';
import { registerConsoleRoutes } from './modules/console/console.routes.ts';
import type { ConsoleBundle } from './modules/console/console-bundle.ts';
import type { RateLimiter } from './modules/limits/rate-limiter.ts';
import type { HttpObserver } from './modules/metrics/http-metrics.ts';
import { type MetricsRouteDeps, registerMetricsRoute } from './modules/metrics/metrics.routes.ts';
import { type OpenAiRoutesDeps, registerOpenAiRoutes } from './modules/openai/index.ts';
import { type MediaRoutesDeps, registerMediaRoutes } from './modules/results/media.routes.ts';
import type { RunnerService } from './modules/runners/runner.service.ts';
import { registerRunnerRoutes } from './modules/runners/runners.routes.ts';
import type { TaskSources } from './modules/runners/task-sources.ts';
import type { TaskStreams } from './modules/tasks/task-streams.ts';
import { registerTaskRoutes } from './modules/tasks/tasks.routes.ts';
import type { TasksService } from './modules/tasks/tasks.service.ts';
import { registerUploadRoutes, type UploadRoutesDeps } from './modules/uploads/uploads.routes.ts';
import type { FaultContainment } from './modules/workers/fault-containment.ts';
import { StorageUnavailableError } from './ports/storage-errors.ts';

export interface AppDeps extends MediaRoutesDeps {
  auth: AuthService;
  tasksService: TasksService;
  /** Live progress, `GET …/video/tasks/{taskId}/events`; absent: the route is not served. */
  streams?: TaskStreams;
  bodyLimitBytes: number;
  limits: HttpLimits;
  /** Origins allowed to call from a browser (`*` for any); empty: no CORS headers. */
  corsOrigins: readonly string[];
  /** Readiness: resolves when the database answers. */
  ping(): Promise<void>;
  logger?: FastifyBaseLogger;
  /** The runner protocol (docs/runner-protocol.md). */
  runners: RunnerService;
  sources: TaskSources;
  /** Contains a fault while handling one request to that request (absent in unit tests). */
  faults?: Pick<FaultContainment, 'runRequest'>;
  /** Per-key request budgets on the task and OpenAI routes (docs/limits.md); absent: none. */
  limiter?: RateLimiter;
  /** The OpenAI-compatible /v1/videos and /v1/models (docs/openai-api.md); absent: not served. */
  openai?: Omit<OpenAiRoutesDeps, 'auth'>;
  /** `POST /v1/ai/{endpointPath}/uploads` (docs/api.md "Uploads"); absent: not served. */
  uploads?: Omit<UploadRoutesDeps, 'auth'>;
  /** The web console's files, served at `/`; absent: no console. */
  console?: ConsoleBundle;
  /** The request histogram, and `GET /metrics` unless it has a listener of its own; absent: neither. */
  metrics?: { http: HttpObserver; route?: MetricsRouteDeps };
}

/** A route as registered, with the contract operation it serves (undefined: outside the document). */
export interface RegisteredRoute {
  method: string;
  url: string;
  operation: Operation | undefined;
}

export interface App {
  app: FastifyInstance;
  /** Every route, in registration order (HEAD twins of GET routes left out): tests hold it to the contract. */
  routes: RegisteredRoute[];
  /** From now on every request gets 503 (SIGTERM): in-flight ones still finish. */
  startDraining(): void;
}

/**
 * One access-log line per request, when it completes. Fastify's default writes two (on arrival and
 * on completion), and a log write was the largest single cost of a poll (docs/performance.md). The
 * line has the path without the query: a media URL's query is its signature, and whoever reads the
 * logs must not be able to download results with it. Fastify's other log lines are unchanged.
 */
class AccessLog extends LogController {
  /** The request metrics ride on this hook too: it runs for every request, and adds no hook stage. */
  readonly #observe: HttpObserver | undefined;

  constructor(options: ConstructorParameters<typeof LogController>[0], observe?: HttpObserver) {
    super(options);
    this.#observe = observe;
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    // The route's pattern, undefined when no route matched (404): never the URL itself.
    this.#observe?.(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    const line = {
      method: request.method,
      path: request.url.split('?', 1)[0],
      statusCode: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

export function buildApp(deps: AppDeps): App {
  let draining = false;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: deps.bodyLimitBytes,
    genReqId: requestIdOf,
    logController: new AccessLog({ requestIdLogLabel: 'requestId' }, deps.metrics?.http),
    // Our own drain hook answers with the API's error shape instead of Fastify's.
    return503OnClosing: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
    ...serverOptionsFor(deps.limits),
    clientErrorHandler: onClientError,
  });
  // Past the cap Node closes new connections at once, before they cost more than the accept.
  app.server.maxConnections = deps.limits.maxConnections;
  // Only JSON is accepted: a text/plain body is 415, not a string that fails validation as 400.
  app.removeContentTypeParser('text/plain');

  // One entry hook for every request: each hook stage costs a poll measurable time.
  const cors = createCors(deps.corsOrigins);
  const { faults } = deps;
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    // Before authentication (preflights carry no key) and before any early answer a page must read.
    if (cors?.(request, reply)) return;
    if (draining) {
      reply.header('connection', 'close');
      sendError(reply, new ApiError('SERVICE_UNAVAILABLE', 'The server is shutting down', { retryAfter: 5 }));
      return;
    }
    watchBodyDeadline(request, reply, deps.limits.bodyTimeoutMs);
    if (!faults) return done();
    // Everything after this hook, the handler included, runs in the request's fault scope.
    const onFault = () => {
      if (reply.sent) reply.raw.destroy();
      else sendError(reply, new ApiError('INTERNAL_ERROR', 'Internal server error'));
    };
    faults.runRequest(request.id, onFault, done);
  });
  installErrorHandling(app);
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url, operation: route.config?.operation });
    }
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await deps.ping();
      return { status: 'ready' };
    } catch (error) {
      const reason = error instanceof StorageUnavailableError ? error.message : 'The database is not reachable';
      return sendError(reply, new ApiError('SERVICE_UNAVAILABLE', `Not ready. ${reason}`, { retryAfter: 5 }));
    }
  });
  const openapi = JSON.stringify(buildOpenApiDocument());
  app.get('/v1/openapi.json', async (_request, reply) => reply.type('application/json; charset=utf-8').send(openapi));

  registerTaskRoutes(app, { auth: deps.auth, tasks: deps.tasksService, limiter: deps.limiter, streams: deps.streams });
  if (deps.uploads) registerUploadRoutes(app, { ...deps.uploads, auth: deps.auth, limiter: deps.limiter });
  registerMediaRoutes(app, deps);
  registerRunnerRoutes(app, { runners: deps.runners, sources: deps.sources });
  if (deps.openai) registerOpenAiRoutes(app, { ...deps.openai, auth: deps.auth, limiter: deps.limiter });
  if (deps.metrics?.route) registerMetricsRoute(app, deps.metrics.route);
  if (deps.console) registerConsoleRoutes(app, deps.console);

  return {
    app,
    routes,
    startDraining() {
      draining = true;
    },
  };
}
