/**
 * The HMAC secrets for media URLs: from config when set (one secret, or a `kid → secret` list that
 * every replica of a fleet shares, the first signing and all verifying, so secrets rotate without
 * breaking URLs already handed out), otherwise generated once into the data directory (mode 0600)
 * so URLs stay valid across restarts.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface SigningSecrets {
  secrets: Record<string, string>;
  currentKid: string;
}

const KID = /^[A-Za-z0-9_-]{1,32}$/;
const MIN_SECRET_LENGTH = 32;

/** `kid:secret,kid:secret…` (first one signs) as SigningSecrets, or what is wrong with it. */
export function parseSigningSecrets(text: string): SigningSecrets | string {
  const secrets: Record<string, string> = {};
  const entries = text.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const [kid, secret] = colon === -1 ? [entry, ''] : [entry.slice(0, colon), entry.slice(colon + 1)];
    if (!KID.test(kid)) return `"${kid}" is not a key id (1..32 of A-Z a-z 0-9 _ -); expected kid:secret,kid:secret`;
    if (secret.length < MIN_SECRET_LENGTH)
      return `the secret of "${kid}" is shorter than ${MIN_SECRET_LENGTH} characters`;
    if (Object.hasOwn(secrets, kid)) return `key id "${kid}" is listed twice`;
    secrets[kid] = secret;
  }
  return { secrets, currentKid: entries[0]!.slice(0, entries[0]!.indexOf(':')) };
}

export async function loadSigningSecrets(
  dataDir: string,
  configured?: string,
  shared?: SigningSecrets,
): Promise<SigningSecrets> {
  if (shared) return shared;
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
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadSigningSecrets(dataDir);
    throw error;
  }
}
