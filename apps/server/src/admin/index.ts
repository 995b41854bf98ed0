/**
 * What the `vidforge` command line needs from the server: configuration, the server itself, and the
 * operator actions on endpoints, keys and runners against the configured database.
 */
import { buildAdapters } from '../boot/build-adapters.ts';
import { prepareDataDir } from '../boot/data-dir.ts';
import type { ServerConfig } from '../config/config.schema.ts';
import { endpointEngineNames } from '../engines/catalog.ts';
import { type AdminService, createAdminService } from '../modules/auth/admin.service.ts';
import { createRunnerAdmin, type RunnerAdmin } from '../modules/runners/runner-admin.ts';
import { createWebhookAdmin, type WebhookAdmin } from '../modules/webhooks/webhook-admin.ts';
import { systemClock } from '../ports/clock.ts';
import type { UsageFilter, UsageRow } from '../ports/usage-store.ts';

export { DEFAULT_DATA_DIR, findDataDir } from '../boot/data-dir.ts';
export { STARTUP_EXIT, StartupError } from '../boot/startup-error.ts';
export type { ServerConfig } from '../config/config.schema.ts';
export { ConfigError, envName, loadConfig } from '../config/load-config.ts';
export { unknownEnvWarnings } from '../config/unknown-env.ts';
export { type RunningServer, startServer } from '../main.ts';
export { AdminError } from '../modules/auth/admin.service.ts';
export {
  formatRate,
  parseConcurrency,
  parseRate,
  RATE_SPEC_HELP,
} from '../modules/limits/rate-spec.ts';
export type { UsageFilter, UsageOutcome, UsageRow } from '../ports/usage-store.ts';
export { firstRunBanner } from './banner.ts';
export { type MigrateReport, migrateDatabase } from './migrate.ts';

/** `vidforge usage`: what was used, per UTC day, key, endpoint, operation and outcome. */
export interface UsageAdmin {
  usage(filter: UsageFilter): Promise<UsageRow[]>;
}

export async function openAdmin(config: ServerConfig): Promise<{
  admin: AdminService & RunnerAdmin & UsageAdmin & { webhooks: WebhookAdmin };
  close(): Promise<void>;
}> {
  const dataDir = await prepareDataDir(config.dataDir);
  const storage = await buildAdapters(config, dataDir);
  const engines = endpointEngineNames(config.enableTestEngine);
  const access = createAdminService(storage.access, systemClock, engines);
  const admin = {
    ...access,
    ...createRunnerAdmin(storage.runners, storage.ledger, systemClock),
    webhooks: createWebhookAdmin({ store: storage.webhooks, findEndpoint: access.findEndpoint, clock: systemClock }),
    usage: (filter: UsageFilter) => storage.usage.daily(filter),
  };
  return { admin, close: () => storage.close() };
}
