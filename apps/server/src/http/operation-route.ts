/**
 * Registers a Fastify route from a contract operation (packages/contract/src/operations): the
 * method and URL come from the operation, and the operation (with its schemas) rides on the
 * route's config, where tests and tools read it. The OpenAPI document is generated from the same
 * operations, and a test checks that the registered routes and the operations are the same set.
 *
 * Validation stays in the handlers, which parse with the operation's own schemas (`parseWith`):
 * that keeps every error shape (the seed API's `details`, OpenAI's `param`), and a poll that
 * has no body or query pays for no validator at all.
 */
import { fastifyUrl, type Operation } from '@vidforge/contract';
import type {
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
  RouteShorthandOptions,
} from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The contract operation this route serves; absent on operational routes outside the document. */
    operation?: Operation;
  }
}

type Options<RG extends RouteGenericInterface> = RouteShorthandOptions<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  RG
>;

export function routeOperation<RG extends RouteGenericInterface = RouteGenericInterface>(
  scope: FastifyInstance,
  prefix: string,
  operation: Operation,
  handler: RouteHandlerMethod<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, RG>,
  options: Options<RG> = {},
): void {
  scope.route<RG>({
    ...options,
    method: operation.method,
    url: fastifyUrl(operation, prefix),
    config: { ...options.config, operation },
    handler,
  });
}
