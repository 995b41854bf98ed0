import { firstRunBanner, loadConfig, startServer, unknownEnvWarnings } from '@vidforge/server/admin';
import { parse } from '../args.ts';

export const SERVE_HELP = `vidforge serve [--config FILE] [--role api,worker,reaper]

Starts the API server, in-process workers and the reaper (deadlines, expired leases, the media
sweeper) on the configured data directory (default ./vidforge-data). --role (or VIDFORGE_ROLE)
runs only some of them in this process. On first run it creates an endpoint and an access key and
prints them.
Settings: VIDFORGE_* environment variables or a JSON config file (see docs/operations.md).`;

export async function serve(argv: string[]): Promise<void> {
  const { values } = parse(argv, { config: { type: 'string' }, role: { type: 'string' } });
  const env = values.role === undefined ? process.env : { ...process.env, VIDFORGE_ROLE: values.role };
  const config = loadConfig({ file: values.config, env });
  for (const warning of unknownEnvWarnings(process.env)) process.stderr.write(`vidforge: warning: ${warning}\n`);
  const server = await startServer(config);
  // A fault in one task's work fails that task; anything else is the server's own bug, and a
  // process in an unknown state is better restarted (its leases are reclaimed at the next start).
  process.on('uncaughtException', (err) => {
    if (server.containFault(err)) return;
    server.log.fatal({ err }, 'uncaught exception outside any task: stopping');
    process.exit(1);
  });
  // On stderr: stdout carries the log, which `vidforge serve | jq` must be able to read.
  process.stderr.write(`${firstRunBanner(server)}\n`);
  let signals = 0;
  const shutdown = (signal: string) => {
    signals++;
    if (signals > 1) process.exit(130);
    server.log.info({ signal }, 'draining: finishing in-flight requests, releasing running tasks');
    server.stop().then(
      () => process.exit(0),
      (err) => {
        server.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
