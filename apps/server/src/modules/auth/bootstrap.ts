/**
 * First run with no configuration: one `preview` endpoint and one key granted to it, so that the
 * server is usable at once. Operators may fix both through VIDFORGE_BOOTSTRAP_ENDPOINT/KEY; each is
 * used only while the database has no endpoint (no key).
 */
import type { AccessStore, EndpointRecord } from '../../ports/access-store.ts';
import type { AdminService } from './admin.service.ts';

export interface BootstrapResult {
  /** The endpoint created now, or the first existing one. */
  endpoint: EndpointRecord | null;
  /** The plain key, only when it was created now. */
  newKey: string | null;
  createdEndpoint: boolean;
}

export async function bootstrapAccess(
  access: AccessStore,
  admin: AdminService,
  options: { endpointPath?: string; key?: string; engine: string },
): Promise<BootstrapResult> {
  let endpoint: EndpointRecord | null = null;
  let createdEndpoint = false;
  if ((await access.countEndpoints()) === 0) {
    endpoint = await admin.createEndpoint({ engine: options.engine, name: 'default', path: options.endpointPath });
    createdEndpoint = true;
  } else {
    endpoint = (await access.listEndpoints())[0] ?? null;
  }
  let newKey: string | null = null;
  if ((await access.countKeys()) === 0 && endpoint) {
    newKey = (await admin.createKey({ name: 'default', endpoints: [endpoint.path], key: options.key })).key;
  }
  return { endpoint, newKey, createdEndpoint };
}
