/**
 * Builds the publishable package: `node scripts/build.ts [outDir]` (default dist/), then
 * `npm publish dist`. In the repository the package exports its TypeScript sources (Node 24 runs
 * them directly); dist/ holds ES2022 JavaScript with declarations (ES modules, and CommonJS in
 * dist/cjs), its own package.json pointing at them, no dependencies, and the contract's types
 * printed inline (see print-types.ts).
 */
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { printContractTypes } from './print-types.ts';

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Strings that must not appear in the output: the package has no runtime or type dependencies. */
const FORBIDDEN = ["'@vidforge/contract'", '"@vidforge/contract"', "'zod'", '"zod"'];

/** One export: ES module for `import`, CommonJS for `require`, each with its own declarations. */
function entry(name: string) {
  return {
    import: { types: `./${name}.d.ts`, default: `./${name}.js` },
    require: { types: `./cjs/${name}.d.ts`, default: `./cjs/${name}.js` },
  };
}

/** Compiles src/ into `outDir` with the build tsconfig and `overrides`; any diagnostic fails the build. */
function emit(outDir: string, overrides: ts.CompilerOptions = {}): ts.Program {
  const configPath = join(PACKAGE_DIR, 'tsconfig.build.json');
  const config = ts.getParsedCommandLineOfConfigFile(
    configPath,
    { outDir, ...overrides },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error(`cannot read ${configPath}`);
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const result = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0) {
    throw new Error(
      ts.formatDiagnostics(diagnostics, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => PACKAGE_DIR,
        getNewLine: () => '\n',
      }),
    );
  }
  return program;
}

export async function buildSdk(outDir = join(PACKAGE_DIR, 'dist')): Promise<string[]> {
  await rm(outDir, { recursive: true, force: true });
  const program = emit(outDir);
  const types = printContractTypes(program, join(PACKAGE_DIR, 'src', 'contract-types.ts'));
  await writeFile(join(outDir, 'contract-types.d.ts'), types);

  // CommonJS beside the ES modules, for `require()` consumers (Node 20 cannot require ESM): each
  // emitted module transpiled on its own, its declarations copied (dist/cjs/package.json makes
  // both CommonJS).
  const cjsDir = join(outDir, 'cjs');
  await mkdir(cjsDir);
  for (const file of (await readdir(outDir)).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
    const text = await readFile(join(outDir, file), 'utf8');
    const cjs = file.endsWith('.d.ts')
      ? text
      : ts.transpileModule(text, {
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
        }).outputText;
    await writeFile(join(cjsDir, file), cjs);
  }
  await writeFile(join(cjsDir, 'package.json'), '{ "type": "commonjs" }\n');

  const pkg = JSON.parse(await readFile(join(PACKAGE_DIR, 'package.json'), 'utf8'));
  const published = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    type: 'module',
    sideEffects: false,
    engines: { node: '>=20' },
    main: './cjs/index.js',
    types: './index.d.ts',
    exports: {
      '.': entry('index'),
      './node': entry('node'),
    },
  };
  await writeFile(join(outDir, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  await copyFile(join(PACKAGE_DIR, '..', '..', 'docs', 'sdk.md'), join(outDir, 'README.md')).catch(() => {});

  const files = (await readdir(outDir, { recursive: true })).map(String).sort();
  for (const file of files.filter((f) => /\.(js|ts)$/.test(f))) {
    let text = await readFile(join(outDir, file), 'utf8');
    if (file.endsWith('.d.ts')) {
      // tsc keeps `./x.ts` in declarations; `./x.js` also resolves for consumers on TypeScript < 5.
      text = text.replace(/(from\s+['"]\.\.?\/[^'"]+)\.ts(['"])/g, '$1.js$2');
      await writeFile(join(outDir, file), text);
    }
    const hit = FORBIDDEN.find((s) => text.includes(s));
    if (hit) throw new Error(`dist/${file} still refers to ${hit}`);
  }
  return files;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ? resolve(process.argv[2]) : undefined;
  await mkdir(outDir ?? join(PACKAGE_DIR, 'dist'), { recursive: true });
  const files = await buildSdk(outDir);
  process.stdout.write(`built ${files.length} files into ${outDir ?? 'dist'}\n`);
}
