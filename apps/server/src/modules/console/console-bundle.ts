/**
 * The web console's built files (apps/console/public), read once at boot into memory with a gzip
 * copy of each compressible file: the whole bundle is a few hundred kB, and serving from memory
 * keeps the routes free of file-system access (and of path traversal by construction).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface ConsoleFile {
  body: Buffer;
  /** Present when gzip makes the file smaller. */
  gzip: Buffer | null;
  contentType: string;
  /** Strong validator of `body`; the gzip copy's is this with `-gz`. */
  etag: string;
}

export interface ConsoleBundle {
  index: ConsoleFile;
  /** Content-hashed assets by file name (no directories). */
  assets: ReadonlyMap<string, ConsoleFile>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json']);

/** apps/console/public, found through the workspace package so no path is hard-coded. */
export function defaultConsoleDir(): string {
  return fileURLToPath(new URL('.', import.meta.resolve('@vidforge/console/public/index.html')));
}

function toFile(name: string, body: Buffer): ConsoleFile {
  const ext = extname(name);
  const compressed = COMPRESSIBLE.has(ext) ? gzipSync(body, { level: 9 }) : null;
  return {
    body,
    gzip: compressed && compressed.byteLength < body.byteLength ? compressed : null,
    contentType: TYPES[ext] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

export async function loadConsoleBundle(dir: string = defaultConsoleDir()): Promise<ConsoleBundle> {
  let index: Buffer;
  try {
    index = await readFile(join(dir, 'index.html'));
  } catch (error) {
    throw new Error(
      `The web console's files are missing from ${dir} (${(error as NodeJS.ErrnoException).code ?? error}). ` +
        'Build them with `npm run build`, or turn the console off with VIDFORGE_CONSOLE=false.',
    );
  }
  const assets = new Map<string, ConsoleFile>();
  const entries = await readdir(join(dir, 'assets'), { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isFile()) assets.set(entry.name, toFile(entry.name, await readFile(join(dir, 'assets', entry.name))));
  }
  return { index: toFile('index.html', index), assets };
}
