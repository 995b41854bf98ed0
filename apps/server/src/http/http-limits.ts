/**
 * What a connection may hold, and for how long (docs/operations.md, "Limits"). Without these a
 * client with no key could keep thousands of sockets open with headers or bodies that never finish
 * until the process ran out of descriptors, and then a spawn of ffmpeg failed.
 */
import type { Server } from 'node:http';
import type { FastifyHttpOptions, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.ts';
import { sendError } from './error-handler.ts';
import { declaresBody } from './request-body.ts';

export interface HttpLimits {
  headersTimeoutMs: number;
  /** JSON bodies: from the headers to the last byte. Streamed uploads are bounded by requestTimeoutMs. */
  bodyTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route reads its body as a stream (uploads): the JSON body deadline does not apply. */
    streamingBody?: boolean;
  }
}

/** Fastify and Node http.Server options for the limits. */
export function serverOptionsFor(limits: HttpLimits): FastifyHttpOptions<Server> {
  return {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // Node looks for expired headers and requests this often (30 s by default): a deadline is
      // only as sharp as this interval.
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
  };
}

/**
 * JSON bodies must arrive within `timeoutMs` of the request (an answer sent before, a 401 say,
 * ends the wait). Called from the request's first hook; streamed uploads are exempt.
 */
export function watchBodyDeadline(request: FastifyRequest, reply: FastifyReply, timeoutMs: number): void {
  if (!declaresBody(request.headers) || request.raw.complete || request.routeOptions.config.streamingBody) return;
  const timer = setTimeout(() => {
    if (!reply.sent) {
      sendError(reply, new ApiError('REQUEST_TIMEOUT', `The request body did not arrive within ${timeoutMs} ms`));
    }
  }, timeoutMs);
  const done = () => clearTimeout(timer);
  request.raw.once('end', done);
  reply.raw.once('close', done);
}
