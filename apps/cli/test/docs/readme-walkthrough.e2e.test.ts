/**
 * The README's two walkthroughs (curl, and the CLI) run as written, in bash, against a server on
 * the preview engine: only the first line, which sets the connection to placeholders, is swapped
 * for the test server's, and `npx vidforge` runs this checkout's binary. The files they name
 * (photo.png, clip.mp4) are made with ffmpeg first. Every task they start must end well.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestServer, type TestServer, tempDir } from '@vidforge/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv } from '../support/run-cli.ts';
import { ROOT } from './doc-commands.ts';

const run = promisify(execFile);

let server: TestServer;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_WORKERS: '2' } });
  dir = await tempDir('vidforge-readme-');
  await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x240', '-frames:v', '1', 'photo.png'], {
    cwd: dir.path,
  });
  await run(
    'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=24', '-t', '2', '-pix_fmt', 'yuv420p', 'clip.mp4'],
    { cwd: dir.path },
  );
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await dir?.remove();
});

/** The sh block after `<!-- walkthrough: NAME … -->` in README.md. */
async function walkthrough(name: string): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- walkthrough: ${name}\\b[^>]*-->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match) throw new Error(`README.md has no "<!-- walkthrough: ${name} -->" block`);
  return match[1]!;
}

/** Runs `script` in bash with -e and pipefail: any command that fails stops it and fails the test. */
function bash(
  script: string,
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], {
      cwd: dir.path,
      env: env as NodeJS.ProcessEnv,
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c));
    child.stderr.on('data', (c: Buffer) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** `npx vidforge …` in the README runs this checkout's binary with the Node running the tests. */
const SHELL_PRELUDE = `vidforge() { "${process.execPath}" "${BIN}" "$@"; }\nnpx() { "$@"; }\n`;

/** Every task on the preview endpoint, once none is waiting or running. */
async function settledTasks(): Promise<{ status: string; error?: { code: string } }[]> {
  const url = `${server.basePath}/${server.previewEndpointPath}/video/tasks?limit=100`;
  for (;;) {
    const { tasks } = (await server.call('GET', url)).body as { tasks: { status: string }[] };
    if (tasks.every((t) => t.status === 'SUCCESS' || t.status === 'FAIL')) return tasks;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function probe(file: string): Promise<{ width: number; height: number }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', join(dir.path, file)]);
  const video = (JSON.parse(stdout).streams as { codec_type: string; width: number; height: number }[]).find(
    (s) => s.codec_type === 'video',
  );
  if (!video) throw new Error(`${file} has no video stream`);
  return video;
}

describe.sequential('README walkthroughs, run as written', () => {
  it('curl: generate, poll, upscale and extend a result, upload a file, idempotent submit, cancel, list', async () => {
    const script = (await walkthrough('curl')).replace(
      /^BASE=.*$/m,
      `BASE=${server.basePath}; EP=${server.previewEndpointPath}; KEY=${server.key}`,
    );
    const { code, output } = await bash(script, process.env);
    expect(code, output).toBe(0);
    const tasks = await settledTasks();
    // generate, upscale, extend, upscale of the upload, and the idempotent one (cancelled, or done first).
    expect(tasks, output).toHaveLength(5);
    const failed = tasks.filter((t) => t.status === 'FAIL' && t.error?.code !== 'CANCELLED');
    expect(failed, output).toEqual([]);
    expect(tasks.filter((t) => t.status === 'SUCCESS').length, output).toBeGreaterThanOrEqual(4);
  }, 180_000);

  it('cli: generate, from a local image, upscale a local video, status/wait/download, extend, list, cancel', async () => {
    const script = (await walkthrough('cli')).replace(/^export VIDFORGE_BASE_URL=.*$/m, '');
    const env = {
      ...baseEnv(dir.path),
      VIDFORGE_BASE_URL: server.basePath,
      VIDFORGE_ENDPOINT: server.previewEndpointPath,
      VIDFORGE_ACCESS_KEY: server.key,
    };
    const { code, output } = await bash(`${SHELL_PRELUDE}${script}`, env);
    expect(code, output).toBe(0);
    for (const file of ['sunset.mp4', 'night.mp4', 'big.mp4', 'lighthouse.mp4'])
      expect(existsSync(join(dir.path, file)), file).toBe(true);
    const sunset = await probe('sunset.mp4');
    expect(sunset.height).toBeGreaterThan(sunset.width); // --aspect 9:16
    expect(await probe('big.mp4')).toEqual(
      expect.objectContaining({ width: sunset.width * 2, height: sunset.height * 2 }),
    );
    await probe('night.mp4');
    const failed = (await settledTasks()).filter((t) => t.status === 'FAIL' && t.error?.code !== 'CANCELLED');
    expect(failed, output).toEqual([]);
  }, 240_000);
});
