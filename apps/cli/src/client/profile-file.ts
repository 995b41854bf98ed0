/**
 * The profile file written by `vidforge login`: $XDG_CONFIG_HOME/vidforge/config.json (or
 * ~/.config/vidforge/config.json), holding one connection per profile name. It holds a secret, so
 * it is written with mode 0600 in a 0700 directory, and replaced atomically.
 */
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT } from '../cli-error.ts';

export interface Profile {
  baseUrl?: string;
  endpoint?: string;
  accessKey?: string;
}

export interface ProfileFile {
  profiles: Record<string, Profile>;
}

export function profilePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'vidforge', 'config.json');
}

export async function readProfiles(path: string): Promise<ProfileFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, EXIT.config);
  }
  const mode = (await stat(path)).mode & 0o077;
  if (mode !== 0) {
    process.stderr.write(`vidforge: warning: ${path} holds an access key and is readable by others; chmod 600 it\n`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<ProfileFile>;
    if (!parsed || typeof parsed.profiles !== 'object' || parsed.profiles === null) throw new Error('no "profiles"');
    return { profiles: parsed.profiles };
  } catch (error) {
    throw new CliError(`${path} is not a vidforge profile file (${(error as Error).message})`, EXIT.config);
  }
}

/** Writes the file with mode 0600 under a temporary name, then renames it over the old one. */
export async function writeProfiles(path: string, file: ProfileFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode is filtered by the umask and ignored for an existing file: set it explicitly.
  await chmod(temp, 0o600);
  await rename(temp, path);
}
