/**
 * BlobStore on a local directory. A put copies into a temporary file beside the target, fsyncs it,
 * renames it over the target and fsyncs the directory, so readers see the old file or the new one
 * and a crash leaves at worst a stray temporary file, never a torn result.
 */
import { randomBytes } from 'node:crypto';
import type { BigIntStats, Dirent } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobEntry, BlobInfo, BlobStore, BlobUrl } from '../../ports/blob-store.ts';
import { blobKeySegments, blobPrefixParts } from '../blob-key.ts';

/**
 * Temporary files end with `~` plus random hex; `~` can never appear in a key, so a temporary
 * file can never be read, overwritten or deleted as a blob.
 */
const TEMP_MARK = '.~';
const SEGMENT = /^[A-Za-z0-9._-]+$/;

export interface FsBlobStoreOptions {
  /**
   * Makes the URLs of `urlFor`: a directory has no URLs of its own, so the API serves the files
   * behind URLs it signs (modules/results/local-media-urls.ts). Without it `urlFor` throws.
   */
  urlFor?(key: string, options: { expiresAt: number }): Promise<BlobUrl>;
}

export function createFsBlobStore(rootDir: string, options: FsBlobStoreOptions = {}): BlobStore {
  const root = resolve(rootDir);

  function pathOf(key: string): string {
    const path = join(root, ...blobKeySegments(key));
    // Redundant with the key check; kept so a future change to the pattern cannot open a hole.
    if (!path.startsWith(root + sep)) throw new Error(`blob key escapes the store: ${key}`);
    return path;
  }

  return {
    async putFile(key: string, sourcePath: string, _contentType: string): Promise<BlobInfo> {
      // The content type is not stored: results are served with the type their key implies.
      const target = pathOf(key);
      const dir = dirname(target);
      await mkdir(dir, { recursive: true });
      const temp = `${target}${TEMP_MARK}${randomBytes(8).toString('hex')}~`;
      try {
        // A delete of the directory's last file may remove the directory between the mkdir and
        // the copy (delete() below); make it again once.
        await copyFile(sourcePath, temp).catch(async (error: unknown) => {
          if (!isMissing(error)) throw error;
          await mkdir(dir, { recursive: true });
          await copyFile(sourcePath, temp);
        });
        await fsyncPath(temp, 'r+');
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      await fsyncDirectory(dir);
      return infoOf(await stat(target, { bigint: true }));
    },

    async stat(key: string): Promise<BlobInfo | null> {
      const path = pathOf(key);
      try {
        const stats = await stat(path, { bigint: true });
        return stats.isFile() ? infoOf(stats) : null;
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },

    async read(key: string, range?: { start: number; end: number }): Promise<Readable | null> {
      const path = pathOf(key);
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
      try {
        // Size and bytes come from the one open file, even if the key is replaced meanwhile.
        const stats = await handle.stat();
        if (!stats.isFile()) {
          await handle.close();
          return null;
        }
        if (!range) return handle.createReadStream();
        const { start, end } = range;
        if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || start >= stats.size) {
          throw new RangeError(`unsatisfiable range ${start}-${end} of ${stats.size} bytes`);
        }
        return handle.createReadStream({ start, end: Math.min(end, stats.size - 1) });
      } catch (error) {
        await handle.close();
        throw error;
      }
    },

    async delete(key: string): Promise<void> {
      const path = pathOf(key);
      try {
        await unlink(path);
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
      // Results live in a directory per task: one left empty goes too, or the store would keep an
      // empty directory for every task it ever held. A directory that is not empty stays.
      for (let dir = dirname(path); dir.startsWith(root + sep); dir = dirname(dir)) {
        if (
          !(await rmdir(dir).then(
            () => true,
            () => false,
          ))
        )
          break;
      }
    },

    async urlFor(key: string, urlOptions: { expiresAt: number }): Promise<BlobUrl> {
      blobKeySegments(key);
      if (!options.urlFor) throw new Error('this blob store was built without a URL signer');
      return options.urlFor(key, urlOptions);
    },

    async uploadUrlFor(key: string): Promise<null> {
      // A directory has no upload URLs: uploads come through the API, which writes them here.
      blobKeySegments(key);
      return null;
    },

    async *list(prefix: string): AsyncIterable<BlobEntry> {
      const { dir } = blobPrefixParts(prefix);
      yield* walk(dir.join('/'));

      async function* walk(relDir: string): AsyncGenerator<BlobEntry> {
        let entries: Dirent[];
        try {
          entries = await readdir(join(root, relDir), { withFileTypes: true });
        } catch (error) {
          if (isMissing(error)) return;
          throw error;
        }
        for (const entry of entries) {
          // Temporary files (and anything else no key could name) are not blobs.
          if (!SEGMENT.test(entry.name)) continue;
          const key = relDir ? `${relDir}/${entry.name}` : entry.name;
          if (entry.isDirectory()) {
            if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* walk(key);
          } else if (entry.isFile() && key.startsWith(prefix)) {
            try {
              const { size, modifiedAt } = infoOf(await stat(join(root, key), { bigint: true }));
              yield { key, size, modifiedAt };
            } catch (error) {
              // Deleted between readdir and stat: it is simply not listed.
              if (!isMissing(error)) throw error;
            }
          }
        }
      }
    },
  };
}

function infoOf(stats: BigIntStats): BlobInfo {
  // Size and nanosecond mtime: every put renames a freshly written file, so both change with it.
  return {
    size: Number(stats.size),
    etag: `${stats.size.toString(16)}-${stats.mtimeNs.toString(16)}`,
    modifiedAt: Number(stats.mtimeMs),
  };
}

async function fsyncPath(path: string, flags: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the rename durable; some platforms cannot fsync a directory, which only costs durability. */
async function fsyncDirectory(dir: string): Promise<void> {
  try {
    await fsyncPath(dir, 'r');
  } catch {}
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
