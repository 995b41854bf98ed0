/** The seed's routes under `/v1/ai/{endpointPath}/video/…`, plus cancel and list (CONTRACT.md Part C). */
import {
  API_PREFIX,
  cancelTask,
  getTask,
  ListTasksQuery,
  listTasks,
  parseWith,
  submitExtend,
  submitGenerate,
  submitUpscale,
  summarize,
  TASK_ID_PATTERN,
  type Task,
  taskEvents,
} from '@vidforge/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../http/api-error.ts';
import { routeOperation } from '../../http/operation-route.ts';
import type { AuthService, Caller } from '../auth/auth.service.ts';
import { bucketOf, type RateLimiter } from '../limits/rate-limiter.ts';
import { parseLastEventId, type TaskStreams } from './task-streams.ts';
import type { TasksService } from './tasks.service.ts';

type EndpointParams = { endpointPath: string };
type TaskParams = EndpointParams & { taskId: string };

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('route registered without the auth hook');
  return request.caller;
}

export function taskIdOf(params: { taskId: string }): string {
  // Unknown ids and malformed ids are the same 404: the route must not be an existence oracle.
  if (!TASK_ID_PATTERN.test(params.taskId)) throw new ApiError('TASK_NOT_FOUND', 'No such task');
  return params.taskId;
}

export function registerTaskRoutes(
  app: FastifyInstance,
  deps: { auth: AuthService; tasks: TasksService; limiter?: RateLimiter; streams?: TaskStreams },
): void {
  app.register(
    async (scope) => {
      // Runs before the body is read: an unauthenticated caller gets 401, and a caller past its
      // rate limit 429, without us parsing anything. A callback hook, so that a caller known
      // without a statement (auth.authorizeKnown) goes on in the same turn of the event loop.
      const { auth, limiter } = deps;
      scope.addHook('onRequest', (request, reply, done) => {
        const { endpointPath, taskId } = request.params as EndpointParams & { taskId?: string };
        const known = auth.authorizeKnown(request.headers.authorization, endpointPath, taskId);
        if (known && !limiter) {
          request.caller = known;
          return done();
        }
        (async () => {
          const caller = known ?? (await auth.authorize(request.headers.authorization, endpointPath, taskId));
          request.caller = caller;
          await limiter?.admit(caller.key, bucketOf(request.method), reply);
        })().then(() => done(), done);
      });

      for (const [type, operation] of [
        ['generate', submitGenerate],
        ['upscale', submitUpscale],
        ['extend', submitExtend],
      ] as const) {
        // The body is parsed by the service with the operation's schema (REQUEST_SCHEMAS[type]).
        routeOperation<{ Params: EndpointParams }>(scope, API_PREFIX, operation, async (request) => {
          const header = request.headers['idempotency-key'];
          if (Array.isArray(header)) throw new ApiError('INVALID_PARAMETER', 'Idempotency-Key must be given once');
          return { taskId: await deps.tasks.submit(callerOf(request), type, request.body, header) };
        });
      }

      // A finished task's view is one frozen object while nothing about it changes (task-view.ts):
      // its JSON is made once too, rather than on every poll.
      const bodies = new WeakMap<Task, string>();
      routeOperation<{ Params: TaskParams }>(scope, API_PREFIX, getTask, async (request, reply) => {
        const task = await deps.tasks.get(callerOf(request), taskIdOf(request.params));
        if (!Object.isFrozen(task)) return task;
        let body = bodies.get(task);
        if (body === undefined) {
          body = JSON.stringify(task);
          bodies.set(task, body);
        }
        return reply.type('application/json; charset=utf-8').send(body);
      });

      // Live progress (task-streams.ts): the poll's auth, visibility and 404, and one request of
      // the poll budget per stream (the hook above), then Server-Sent Events until the task ends.
      const { streams } = deps;
      if (streams) {
        routeOperation<{ Params: TaskParams }>(scope, API_PREFIX, taskEvents, async (request, reply) => {
          const caller = callerOf(request);
          const task = await deps.tasks.record([caller.endpoint.id], taskIdOf(request.params));
          streams.admit(caller.key.id);
          reply.hijack();
          try {
            await streams.start({
              task,
              keyId: caller.key.id,
              lastEventId: parseLastEventId(request.headers['last-event-id']),
              headers: reply.getHeaders(),
              res: reply.raw,
            });
          } catch (err) {
            // Headers may be out already: all that is left is to cut the stream; the client resumes.
            request.log.warn({ err }, 'live progress stream failed');
            reply.raw.destroy();
          }
        });
      }

      routeOperation<{ Params: TaskParams }>(scope, API_PREFIX, cancelTask, async (request) =>
        deps.tasks.cancel(callerOf(request), taskIdOf(request.params)),
      );

      routeOperation<{ Params: EndpointParams }>(scope, API_PREFIX, listTasks, async (request) => {
        const parsed = parseWith(ListTasksQuery, { ...(request.query as object) });
        if (!parsed.ok) throw new ApiError('INVALID_PARAMETER', summarize(parsed.details), { details: parsed.details });
        return deps.tasks.list(callerOf(request), parsed.value);
      });
    },
    { prefix: API_PREFIX },
  );
}
