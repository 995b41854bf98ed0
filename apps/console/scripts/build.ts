/**
 * Builds the console into public/: index.html plus content-hashed assets, so the server can cache
 * assets forever and index.html not at all. The output is committed (a fresh clone serves the
 * console without a build step) and must be reproducible: `--check` rebuilds in memory and fails
 * when public/ differs, which `npm run check` runs.
 *
 *   node apps/console/scripts/build.ts           write public/
 *   node apps/console/scripts/build.ts --check   compare only
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
export const SRC = join(root, 'src');
export const PUBLIC = join(root, 'public');

/** A file of the built console, by its path relative to public/. */
export interface BuiltFile {
  path: string;
  contents: Uint8Array;
}

/**
 * zod re-exports all of its ~50 locales as a namespace (`z.locales`), which no bundler can drop
 * once `z` is used as an object: 264 kB of the 432 kB bundle. The console uses only English, the
 * locale zod registers by default, so the locale index resolves to English alone.
 */
const englishOnlyZod: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), '../locales/index.js'), namespace: 'zod-locales' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * The contract's modules build zod schemas at load time, which a bundler must keep unless told the
 * modules have no side effects; they have none the console needs (the OpenAPI registry is unused
 * here). Marked so, what the console does not import (the runner protocol's schemas) stays out, and
 * changes to it do not change the bundle.
 */
const contractWithoutSideEffects: Plugin = {
  name: 'contract-without-side-effects',
  setup(build) {
    build.onResolve({ filter: /^(@vidforge\/contract|\.\/[\w-]+\.ts)$/ }, async (args) => {
      if (args.pluginData === 'inner') return undefined;
      const inContract = /[\\/]packages[\\/]contract[\\/]src[\\/]/.test(args.importer);
      if (args.path !== '@vidforge/contract' && !inContract) return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'inner',
      });
      return resolved.errors.length > 0 ? undefined : { path: resolved.path, sideEffects: false };
    });
  },
};

function hashName(name: string, ext: string, contents: Uint8Array): string {
  const hash = createHash('sha256').update(contents).digest('hex').slice(0, 10);
  return `${name}-${hash}${ext}`;
}

export async function buildConsole(): Promise<BuiltFile[]> {
  const result = await build({
    entryPoints: { app: join(SRC, 'main.ts'), style: join(SRC, 'styles.css') },
    outdir: join(PUBLIC, 'assets'),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome111', 'firefox115', 'safari16.4'],
    charset: 'utf8',
    legalComments: 'none',
    write: false,
    logLevel: 'warning',
    plugins: [englishOnlyZod, contractWithoutSideEffects],
  });
  const files: BuiltFile[] = [];
  const names: Record<string, string> = {};
  for (const output of result.outputFiles) {
    const ext = output.path.endsWith('.css') ? '.css' : '.js';
    const name = hashName(ext === '.css' ? 'app' : 'app', ext, output.contents);
    names[ext] = name;
    files.push({ path: `assets/${name}`, contents: output.contents });
  }
  const icon = await readFile(join(SRC, 'icon.svg'));
  names['.svg'] = hashName('icon', '.svg', icon);
  files.push({ path: `assets/${names['.svg']}`, contents: icon });

  const template = await readFile(join(SRC, 'index.html'), 'utf8');
  const html = template.replace(/\{\{(js|css|icon)\}\}/g, (_match, key: string) => {
    const name = names[key === 'js' ? '.js' : key === 'css' ? '.css' : '.svg'];
    if (!name) throw new Error(`no built file for {{${key}}}`);
    return name;
  });
  files.push({ path: 'index.html', contents: new TextEncoder().encode(html) });
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** The files now in public/, relative paths. */
async function listPublic(): Promise<string[]> {
  const entries = await readdir(PUBLIC, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath, e.name)
        .slice(PUBLIC.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort();
}

/** Differences between a build and public/, as sentences; empty when they match. */
export async function compareWithPublic(files: BuiltFile[]): Promise<string[]> {
  const problems: string[] = [];
  const onDisk = new Set(await listPublic());
  for (const file of files) {
    if (!onDisk.has(file.path)) {
      problems.push(`missing: ${file.path}`);
      continue;
    }
    onDisk.delete(file.path);
    const current = await readFile(join(PUBLIC, file.path));
    if (!current.equals(file.contents)) problems.push(`differs: ${file.path}`);
  }
  for (const extra of onDisk) problems.push(`not produced by the build: ${extra}`);
  return problems;
}

async function writePublic(files: BuiltFile[]): Promise<void> {
  const wanted = new Set(files.map((f) => f.path));
  for (const existing of await listPublic()) if (!wanted.has(existing)) await rm(join(PUBLIC, existing));
  for (const file of files) {
    await mkdir(dirname(join(PUBLIC, file.path)), { recursive: true });
    await writeFile(join(PUBLIC, file.path), file.contents);
  }
}

async function main(): Promise<void> {
  const files = await buildConsole();
  if (process.argv.includes('--check')) {
    const problems = await compareWithPublic(files);
    if (problems.length > 0) {
      console.error(
        `apps/console/public is not what the console's sources build to:\n  ${problems.join('\n  ')}\n` +
          'Run `npm run build` and commit apps/console/public.',
      );
      process.exitCode = 1;
    }
    return;
  }
  await writePublic(files);
  for (const file of files) {
    const gz = gzipSync(file.contents, { level: 9 }).byteLength;
    console.log(`${basename(file.path).padEnd(28)} ${String(file.contents.byteLength).padStart(8)} B  gzip ${gz} B`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
