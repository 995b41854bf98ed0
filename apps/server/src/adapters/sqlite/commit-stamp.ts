/**
 * Tells whether anything was committed to a WAL database since an earlier look, with one `pread`
 * instead of a statement. Every request reads the access version (and a poll its task's row
 * version) so that a change committed by any process is seen at once (access-cache.ts); on the
 * bench machine that one statement cost a poll 18-24 µs in the server, against 4 µs in a tight loop
 * (a read transaction: two `fcntl` locks, the b-tree walk, all with cold caches between requests),
 * a quarter of the poll (docs/performance.md).
 *
 * The stamp is the wal-index header at the start of the `-shm` file: 48 bytes, written twice, that
 * every SQLite connection on the file, in any process, rewrites on every commit (`iChange` counts
 * commits; `mxFrame` and the salts move with the log) before it releases the write lock. It is the
 * header SQLite's own readers check to see whether their page cache is still good, and its layout
 * is fixed (https://www.sqlite.org/walformat.html): connections of different SQLite versions share
 * the file. Equal stamps, read before two reads of the database, mean nothing was committed between
 * them. Anything unexpected (no `-shm`, a short read, a header not yet initialised) gives null, and
 * callers then run their statement as before.
 *
 * The `-shm` file carries SQLite's POSIX locks, and closing *any* descriptor of a file drops all of
 * the process's locks on it (https://www.sqlite.org/howtocorrupt.html, 2.2). So one descriptor per
 * file is shared by the handles of this process and closed only after the last of them has closed
 * its connection (`release`, called after `DatabaseSync.close()`).
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** Both copies of the wal-index header. */
const HEADER_BYTES = 96;
/** `isInit` of the first copy: 0 until a connection has built the index. */
const IS_INIT_OFFSET = 12;

interface SharedDescriptor {
  fd: number;
  users: number;
}

const descriptors = new Map<string, SharedDescriptor>();

export interface CommitStamp {
  /** A value equal to an earlier one only if nothing was committed in between; null: cannot tell now. */
  read(): string | null;
  /** After the handle's connection is closed. */
  release(): void;
}

const UNKNOWN: CommitStamp = { read: () => null, release: () => {} };

/** The stamp of the database at `realPath` (its real path, so every handle of a file shares one descriptor). */
export function openCommitStamp(realPath: string): CommitStamp {
  const shmPath = `${realPath}-shm`;
  let shared = descriptors.get(shmPath);
  // The file was replaced while another handle of this process still has the old one open: that
  // descriptor reads the old header, and a second one on the new file could not be told apart by
  // path. No stamp for this handle: its reads run their statements.
  if (shared && !sameFile(shared.fd, shmPath)) return UNKNOWN;
  if (!shared) {
    let fd: number;
    try {
      fd = openSync(shmPath, 'r');
    } catch {
      return UNKNOWN;
    }
    shared = { fd, users: 0 };
    descriptors.set(shmPath, shared);
  }
  shared.users += 1;
  const { fd } = shared;
  const header = Buffer.alloc(HEADER_BYTES);
  let released = false;
  return {
    read() {
      if (released) return null;
      let bytes: number;
      try {
        bytes = readSync(fd, header, 0, HEADER_BYTES, 0);
      } catch {
        return null;
      }
      if (bytes !== HEADER_BYTES || header[IS_INIT_OFFSET] === 0) return null;
      return header.toString('latin1');
    },
    release() {
      if (released) return;
      released = true;
      const entry = descriptors.get(shmPath);
      if (!entry || entry.fd !== fd) return;
      entry.users -= 1;
      if (entry.users === 0) {
        descriptors.delete(shmPath);
        closeSync(fd);
      }
    },
  };
}

function sameFile(fd: number, path: string): boolean {
  try {
    const open = fstatSync(fd);
    const named = statSync(path);
    return open.ino === named.ino && open.dev === named.dev;
  } catch {
    return false;
  }
}
