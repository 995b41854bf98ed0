/**
 * Creates the data directory and its subdirectories, one level at a time. Node's recursive mkdir
 * loops forever on some paths (`/proc/nope` spun at 90 % CPU, printing nothing); here every failure
 * is one StartupError that names the directory and what is wrong with it.
 */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { StartupError } from './startup-error.ts';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  ENOTDIR: 'a part of the path is a file, not a directory',
  ENOENT: 'it cannot be created there',
};

function failed(dir: string, error: unknown): StartupError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const reason = REASONS[code] ?? (error as Error).message;
  return new StartupError('dataDir', `cannot use the data directory ${dir} (VIDFORGE_DATA_DIR): ${reason}`, {
    cause: error,
  });
}

/** Makes `dir` (and the missing directories above it) and checks it is a writable directory. */
async function ensureDirectory(dir: string, root: string): Promise<void> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw failed(root, error);
  });
  if (info && !info.isDirectory()) {
    throw new StartupError('dataDir', `cannot use the data directory ${root} (VIDFORGE_DATA_DIR): ${dir} is a file`);
  }
  if (!info) {
    const parent = dirname(dir);
    if (parent !== dir) await ensureDirectory(parent, root);
    await mkdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw failed(root, error);
    });
  }
  await access(dir, constants.W_OK | constants.X_OK).catch((error: unknown) => {
    throw failed(root, error);
  });
}

/** The data directory, absolute, with `subdirectories` in it. */
export async function prepareDataDir(dataDir: string, subdirectories: readonly string[] = []): Promise<string> {
  const root = resolve(dataDir);
  await ensureDirectory(root, root);
  for (const name of subdirectories) await ensureDirectory(join(root, name), root);
  return root;
}

export const DEFAULT_DATA_DIR = './vidforge-data';

/**
 * For the admin commands when no data directory was set: the nearest `vidforge-data` holding a
 * database, from `cwd` upwards (as git finds `.git`), so that `vidforge keys list` in a
 * subdirectory reads the server's database instead of creating an empty one. Null when none.
 */
export async function findDataDir(cwd: string): Promise<string | null> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, 'vidforge-data');
    if (
      await stat(join(candidate, 'vidforge.db')).then(
        (info) => info.isFile(),
        () => false,
      )
    )
      return candidate;
    if (dirname(dir) === dir) return null;
  }
}
