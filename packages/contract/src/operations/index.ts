/** Every operation of the HTTP API, in the order the OpenAPI document lists them. */
import { OPENAI_OPERATIONS } from './openai.ts';
import type { Operation } from './operation.ts';
import { RUNNER_OPERATIONS } from './runner.ts';
import { SEED_OPERATIONS } from './seed.ts';

export * from './openai.ts';
export * from './operation.ts';
export * from './runner.ts';
export * from './seed.ts';

export const OPERATIONS: readonly Operation[] = [...SEED_OPERATIONS, ...RUNNER_OPERATIONS, ...OPENAI_OPERATIONS];

/**
 * Routes the server serves outside the API document, and why: operational probes and metrics are
 * for the operator's infrastructure (load balancers, Prometheus), not for API clients; the console
 * is a web page; the document itself is where a client starts.
 */
export const UNDOCUMENTED_ROUTES = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /v1/openapi.json',
  'GET /',
  'GET /assets/:file',
] as const;
