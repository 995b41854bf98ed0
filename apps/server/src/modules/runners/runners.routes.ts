/** The runner protocol's routes under `/v1/runner` (docs/runner-protocol.md). */
import {
  LEASE_TOKEN_HEADER,
  parseWith,
  RUNNER_BASE_PATH,
  RUNNER_PROTOCOL_VERSION,
  RunnerAbortRequest,
  RunnerClaimRequest,
  RunnerFailRequest,
  RunnerHeartbeatRequest,
  runnerAbort,
  runnerClaim,
  runnerComplete,
  runnerFail,
  runnerHeartbeat,
  runnerSource,
  runnerUploaded,
  runnerUploadOutput,
  summarize,
  TASK_ID_PATTERN,
} from '@vidforge/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ApiError } from '../../http/api-error.ts';
import { sendError } from '../../http/error-handler.ts';
import { routeOperation } from '../../http/operation-route.ts';
import type { RunnerRecord } from '../../ports/runner-store.ts';
import { taskIdOf } from '../tasks/tasks.routes.ts';
import type { RunnerService } from './runner.service.ts';
import type { TaskSources } from './task-sources.ts';

declare module 'fastify' {
  interface FastifyRequest {
    runner?: RunnerRecord;
  }
}

type TaskParams = { taskId: string };

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  // No body at all reads as {}: every field of these requests is optional or has a default.
  const parsed = parseWith(schema, body ?? {});
  if (!parsed.ok) throw new ApiError('INVALID_PARAMETER', summarize(parsed.details), { details: parsed.details });
  return parsed.value;
}

function runnerOf(request: FastifyRequest): RunnerRecord {
  if (!request.runner) throw new Error('route registered without the runner auth hook');
  return request.runner;
}

function leaseTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers[LEASE_TOKEN_HEADER];
  return typeof header === 'string' && header.length > 0 && header.length <= 200 ? header : undefined;
}

/** Aborted when the client goes away before the response is sent (a long-poll given up, an upload cut). */
function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

export function registerRunnerRoutes(app: FastifyInstance, deps: { runners: RunnerService; sources: TaskSources }) {
  const { runners } = deps;
  app.register(
    async (scope) => {
      // The output is streamed to disk by the service, never buffered or parsed here.
      scope.addContentTypeParser('video/mp4', (_request, payload, done) => done(null, payload));

      routeOperation<{ Params: TaskParams }>(scope, RUNNER_BASE_PATH, runnerSource, async (request, reply) => {
        const taskId = request.params.taskId;
        const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
        if (!TASK_ID_PATTERN.test(taskId))
          return sendError(reply, new ApiError('MEDIA_URL_INVALID', 'Invalid source URL'));
        const source = await deps.sources.open(taskId, query);
        if (!source.ok) {
          return source.reason === 'missing'
            ? sendError(reply, new ApiError('NOT_FOUND', 'This source is gone: the task is finished'))
            : sendError(reply, new ApiError('MEDIA_URL_INVALID', `Invalid source URL (${source.reason})`));
        }
        reply
          .header('content-type', source.contentType)
          .header('content-length', String(source.size))
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'private, no-store');
        return reply.send(source.body);
      });

      scope.register(async (authed) => {
        // Before the body is read: an unknown token gets 401 without us reading an upload.
        authed.addHook('onRequest', async (request) => {
          request.runner = await runners.authenticate(request.headers.authorization);
        });

        routeOperation(authed, RUNNER_BASE_PATH, runnerClaim, async (request, reply) => {
          const gone = clientGone(reply);
          const task = await runners.claim(runnerOf(request), parse(RunnerClaimRequest, request.body), gone);
          if (task && gone.aborted) {
            await runners.unclaim(task);
            return reply;
          }
          return { protocolVersion: RUNNER_PROTOCOL_VERSION, task };
        });

        routeOperation<{ Params: TaskParams }>(authed, RUNNER_BASE_PATH, runnerHeartbeat, async (request) =>
          runners.heartbeat(
            runnerOf(request),
            taskIdOf(request.params),
            leaseTokenOf(request),
            parse(RunnerHeartbeatRequest, request.body),
          ),
        );

        routeOperation<{ Params: TaskParams }>(
          authed,
          RUNNER_BASE_PATH,
          runnerUploadOutput,
          async (request, reply) => {
            try {
              return await runners.upload(
                runnerOf(request),
                taskIdOf(request.params),
                leaseTokenOf(request),
                request.body as Parameters<RunnerService['upload']>[3],
                clientGone(reply),
              );
            } catch (error) {
              // The rest of a refused upload is not worth reading: answer and close the connection.
              reply.header('connection', 'close');
              throw error;
            }
          },
          {
            config: { streamingBody: true },
            onRequest: async (request) => {
              const type = request.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
              if (type !== 'video/mp4') {
                throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Upload the result with Content-Type: video/mp4');
              }
            },
          },
        );

        routeOperation<{ Params: TaskParams }>(authed, RUNNER_BASE_PATH, runnerUploaded, async (request, reply) =>
          runners.uploaded(runnerOf(request), taskIdOf(request.params), leaseTokenOf(request), clientGone(reply)),
        );

        routeOperation<{ Params: TaskParams }>(authed, RUNNER_BASE_PATH, runnerComplete, async (request) =>
          runners.complete(runnerOf(request), taskIdOf(request.params), leaseTokenOf(request)),
        );

        routeOperation<{ Params: TaskParams }>(authed, RUNNER_BASE_PATH, runnerFail, async (request) =>
          runners.fail(
            runnerOf(request),
            taskIdOf(request.params),
            leaseTokenOf(request),
            parse(RunnerFailRequest, request.body),
          ),
        );

        routeOperation<{ Params: TaskParams }>(authed, RUNNER_BASE_PATH, runnerAbort, async (request) =>
          runners.abort(
            runnerOf(request),
            taskIdOf(request.params),
            leaseTokenOf(request),
            parse(RunnerAbortRequest, request.body).reason,
          ),
        );
      });
    },
    { prefix: RUNNER_BASE_PATH },
  );
}
