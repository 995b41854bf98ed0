/**
 * The server's routes are the contract's operations: each route a client can call was registered
 * from its operation (method and URL from the operation's path), every operation is served, and
 * the only other routes are the operational ones the contract names as outside the document.
 */
import { fastifyUrl, OPERATIONS, UNDOCUMENTED_ROUTES } from '@vidforge/contract';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

it('registers every operation from the contract, and nothing else but the operational routes', () => {
  const routes = server.server.routes;
  const served = routes.filter((route) => route.operation).map((route) => `${route.method} ${route.url}`);
  const expected = OPERATIONS.map((op) => `${op.method} ${fastifyUrl(op)}`);
  expect(served.toSorted()).toEqual(expected.toSorted());
  for (const route of routes) {
    if (route.operation)
      expect(`${route.method} ${route.url}`).toBe(`${route.operation.method} ${fastifyUrl(route.operation)}`);
  }
  const others = routes.filter((route) => !route.operation).map((route) => `${route.method} ${route.url}`);
  expect(others.filter((route) => !(UNDOCUMENTED_ROUTES as readonly string[]).includes(route))).toEqual([]);
  // The test server has them all: a route left out of the document would have shown above.
  expect(others).toEqual(
    expect.arrayContaining(['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /v1/openapi.json']),
  );
});
