/**
 * Child entry: the real Vidforge server, configured from VIDFORGE_* like an operator's, in its own
 * process so it can be pinned to a core and its memory read from /proc. Reports "ready" over IPC and
 * stops cleanly on "stop" (a clean exit is what writes --cpu-prof profiles).
 */
import { loadConfig, openAdmin, startServer } from '@vidforge/server/admin';
import { BENCH_ACCESS } from './access.ts';

function fail(error: unknown): never {
  process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
// A bench that dies (or a driver that forgets to stop us) must not leave servers running.
process.on('disconnect', () => process.exit(0));

const config = loadConfig({ env: process.env });
// Endpoints and key exist before the server starts, so first-run bootstrap creates nothing else;
// a restart on the same data directory finds them.
const handle = await openAdmin(config);
const existing = await handle.admin.listEndpoints();
if (!existing.some((e) => e.path === BENCH_ACCESS.testEndpoint)) {
  await handle.admin.createEndpoint({ engine: 'test', name: 'bench-test', path: BENCH_ACCESS.testEndpoint });
  await handle.admin.createEndpoint({ engine: 'preview', name: 'bench-preview', path: BENCH_ACCESS.previewEndpoint });
  await handle.admin.createKey({
    name: 'bench',
    key: BENCH_ACCESS.key,
    endpoints: [BENCH_ACCESS.testEndpoint, BENCH_ACCESS.previewEndpoint],
  });
}
await handle.close();

const server = await startServer(config);
process.on('message', (message: { type?: string }) => {
  if (message?.type !== 'stop') return;
  server
    .stop()
    .then(() => process.exit(0))
    .catch(fail);
});
process.send?.({ type: 'ready', url: server.url });
