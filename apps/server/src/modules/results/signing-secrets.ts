/**
 * The HMAC secret for media URLs: from config when set, otherwise generated once into the data
 * directory (mode 0600) so URLs stay valid across restarts.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface SigningSecrets {
  secrets: Record<string, string>;
  currentKid: string;
}

export async function loadSigningSecrets(dataDir: string, configured?: string): Promise<SigningSecrets> {
  if (configured) return { secrets: { cfg: configured }, currentKid: 'cfg' };
  const file = join(dataDir, 'signing-secret.json');
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as SigningSecrets;
    if (stored.secrets?.[stored.currentKid]) return stored;
    throw new Error(`${file} is damaged: delete it to generate a new secret (existing media URLs stop working)`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const fresh: SigningSecrets = { secrets: { k1: randomBytes(32).toString('base64url') }, currentKid: 'k1' };
  // 'wx' fails if another process created it meanwhile; then use theirs.
  try {
    await writeFile(file, JSON.stringify(fresh), { mode: 0o600, flag: 'wx' });
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadSigningSecrets(dataDir, configured);
    throw error;
  }
}
