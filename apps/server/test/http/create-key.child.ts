/**
 * Another process that creates a given access key, granted to one endpoint, in a server's data
 * directory (the CLI's `keys create` always makes a random key).
 * Usage: node create-key.child.ts <dataDir> <key> <endpointPath>
 */
import { loadConfig, openAdmin } from '../../src/admin/index.ts';

const [dataDir, key, endpointPath] = process.argv.slice(2) as [string, string, string];
const { admin, close } = await openAdmin(
  loadConfig({ env: { VIDFORGE_DATA_DIR: dataDir, VIDFORGE_ENABLE_TEST_ENGINE: 'true' } }),
);
try {
  const { record } = await admin.createKey({ key, endpoints: [endpointPath] });
  process.stdout.write(`${JSON.stringify({ id: record.id })}\n`);
} finally {
  await close();
}
