/**
 * The publishable build: dist/ has no dependency on @vidforge/contract or zod, its declarations
 * compile in a consumer project with the exact request types, its inlined types accept the same
 * values as the contract's, the core sources need no Node types, and the JavaScript runs.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '@vidforge/server/testing';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSdk } from '../scripts/build.ts';
import { type SdkServer, startSdkServer } from './support/sdk-server.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);
/** Debian's Node, the oldest the SDK supports; the project itself runs on a newer one. */
const SYSTEM_NODE = '/usr/bin/node';

let dir: Awaited<ReturnType<typeof tempDir>>;
let dist: string;
let files: string[];

beforeAll(async () => {
  dir = await tempDir('vidforge-sdk-build-');
  dist = join(dir.path, 'dist');
  files = await buildSdk(dist);
});
afterAll(() => dir.remove());

/** Problems in the given files and in `alsoCheck` (e.g. dist's declarations), not in @types/node. */
function diagnose(rootNames: string[], options: ts.CompilerOptions, alsoCheck = (_file: string) => false): string[] {
  const program = ts.createProgram({ rootNames, options: { noEmit: true, strict: true, ...options } });
  const files = program.getSourceFiles().filter((f) => rootNames.includes(f.fileName) || alsoCheck(f.fileName));
  return [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...files.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
  ].map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

const USAGE = `import { TaskFailedError, type Task, Vidforge } from '@vidforge/sdk';
import { Vidforge as NodeVidforge } from '@vidforge/sdk/node';

const options = { baseUrl: 'http://localhost:8080/v1/ai', endpointPath: 'abcd', accessKey: 'k' };
const client = new Vidforge(options);
export async function use(): Promise<Task> {
  await client.generate({ prompt: 'x', negativePrompt: 'y', settings: { duration: 8, aspectRatio: '1:1', seed: 1 } });
  // @ts-expect-error 3 is not an allowed duration
  await client.generate({ prompt: 'x', settings: { duration: 3 } });
  // @ts-expect-error not an aspect ratio
  await client.generate({ prompt: 'x', settings: { aspectRatio: '2:1' } });
  // @ts-expect-error a typo is not silently ignored
  await client.generate({ prompt: 'x', aspect_ratio: '1:1' });
  // @ts-expect-error prompt is required
  await client.generate({});
  // @ts-expect-error sourceVideo is required
  await client.upscale({ config: {} });
  // @ts-expect-error extendDuration is 2 or 4
  await client.extend({ config: { sourceVideo: 'https://example.com/a.mp4', extendDuration: 8 } });
  await client.extend({ config: { sourceVideo: 'https://example.com/a.mp4', extendDuration: 2 }, settings: { guidanceScale: 3 } });
  await new NodeVidforge(options).downloadMedia('id', 'out.mp4');
  const error: unknown = null;
  if (error instanceof TaskFailedError) error.task.error?.code satisfies string | undefined;
  return client.waitForTask('id', { timeoutMs: 1000, onProgress: (t) => void t.progress });
}
`;

const PARITY = `import type * as Sdk from '@vidforge/sdk';
import type * as Contract from '${ROOT}/packages/contract/src/index.ts';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const parity: [
  Same<Sdk.GenerateRequestInput, Contract.GenerateRequestInput>,
  Same<Sdk.UpscaleRequestInput, Contract.UpscaleRequestInput>,
  Same<Sdk.ExtendRequestInput, Contract.ExtendRequestInput>,
  Same<Sdk.Task, Contract.Task>,
  Same<Sdk.TaskList, Contract.TaskList>,
  Same<Sdk.ErrorBody, Contract.ErrorBody>,
  Same<Sdk.TaskErrorCode, Contract.TaskErrorCode>,
  Same<Sdk.ApiErrorCode, Contract.ApiErrorCode>,
  Same<Sdk.UploadResponse, Contract.UploadResponse>,
] = [true, true, true, true, true, true, true, true, true];
`;

describe('SDK build', () => {
  it('emits both entries with declarations and no dependency on the contract or zod', async () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'index.js',
        'index.d.ts',
        'node.js',
        'node.d.ts',
        'package.json',
        'cjs/node.js',
        'cjs/node.d.ts',
      ]),
    );
    const pkg = JSON.parse(await readFile(join(dist, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: '@vidforge/sdk', type: 'module' });
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.exports['./node']).toEqual({
      import: { types: './node.d.ts', default: './node.js' },
      require: { types: './cjs/node.d.ts', default: './cjs/node.js' },
    });
    const types = await readFile(join(dist, 'contract-types.d.ts'), 'utf8');
    expect(types).toMatch(/duration\?: undefined \| 2 \| 4 \| 8;/);
  });

  it('type-checks in a consumer project, with exact request types equal to the contract', async () => {
    const consumer = join(dir.path, 'consumer');
    await mkdir(join(consumer, 'node_modules', '@vidforge'), { recursive: true });
    await symlink(dist, join(consumer, 'node_modules', '@vidforge', 'sdk'));
    await writeFile(join(consumer, 'package.json'), '{"type":"module"}');
    await writeFile(join(consumer, 'usage.ts'), USAGE);
    await writeFile(join(consumer, 'parity.ts'), PARITY);
    const problems = diagnose(
      [join(consumer, 'usage.ts'), join(consumer, 'parity.ts')],
      {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
        allowImportingTsExtensions: true,
        skipLibCheck: false,
      },
      (file) => file.startsWith(dist),
    );
    expect(problems).toEqual([]);
  });

  it('the core entry compiles without Node types (browser-safe)', () => {
    const problems = diagnose([join(ROOT, 'packages/sdk/src/index.ts')], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
      allowImportingTsExtensions: true,
      skipLibCheck: true,
    });
    expect(problems).toEqual([]);
  });

  describe('against a server', () => {
    let env: SdkServer;
    beforeAll(async () => {
      env = await startSdkServer();
    });
    afterAll(() => env.stop());

    it('the built JavaScript runs: submit, wait, typed errors', async () => {
      const script = `
        const { Vidforge, NotFoundError } = await import(${JSON.stringify(join(dist, 'node.js'))});
        const client = new Vidforge({ baseUrl: process.env.B, endpointPath: process.env.E, accessKey: process.env.K });
        const task = await client.generateAndWait({ prompt: 'from dist' }, { pollIntervalMs: 20 });
        const missing = await client.getTask('missingTask000000000').catch((e) => e instanceof NotFoundError);
        console.log(JSON.stringify({ status: task.status, missing }));`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, B: env.server.basePath, E: env.server.endpointPath, K: env.server.key },
      });
      expect(JSON.parse(stdout)).toEqual({ status: 'SUCCESS', missing: true });
    });

    it('installs by path into a project outside the repository and runs on the system Node, as import and require', async () => {
      // What docs/sdk.md tells users: pack dist, install the tarball. Nothing here touches the
      // repository's own package.json or lockfile; the package has no dependencies, so offline works.
      const packed = join(dir.path, 'packed');
      const project = join(dir.path, 'project');
      await mkdir(packed);
      await mkdir(project);
      await run('npm', ['pack', dist, '--pack-destination', packed], { cwd: dir.path });
      await writeFile(join(project, 'package.json'), '{ "name": "sdk-consumer", "private": true }\n');
      const tarball = join(packed, (await readdir(packed)).find((f) => f.endsWith('.tgz'))!);
      await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: project });
      // The oldest Node the package supports is what the machine ships (20); fall back to this one.
      const node = existsSync(SYSTEM_NODE) ? SYSTEM_NODE : process.execPath;
      const version = (await run(node, ['--version'])).stdout.trim();
      expect(Number(/^v(\d+)/.exec(version)?.[1])).toBeGreaterThanOrEqual(20);
      const submit = (load: string) => `${load}
        const client = new Vidforge({ baseUrl: process.env.B, endpointPath: process.env.E, accessKey: process.env.K });
        client.generateAndWait({ prompt: 'installed by path' }, { pollIntervalMs: 20 })
          .then((task) => console.log(JSON.stringify({ status: task.status, queue: typeof queuePlace })));`;
      const options = {
        cwd: project,
        env: { ...process.env, B: env.server.basePath, E: env.server.endpointPath, K: env.server.key },
      };
      const require_ =
        "const { Vidforge } = require('@vidforge/sdk/node'); const { queuePlace } = require('@vidforge/sdk');";
      const import_ = "import { Vidforge } from '@vidforge/sdk/node'; import { queuePlace } from '@vidforge/sdk';";
      const cjs = await run(node, ['-e', submit(require_)], options);
      const esm = await run(node, ['--input-type=module', '-e', submit(import_)], options);
      for (const { stdout } of [cjs, esm])
        expect(JSON.parse(stdout), version).toEqual({ status: 'SUCCESS', queue: 'function' });
    });
  });
});
