/**
 * docs/sdk.md shows the files in packages/sdk/examples verbatim (tsc type-checks those files), and
 * the Node examples run as written against a real server, so the documentation cannot rot.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ffmpeg, tempDir } from '@vidforge/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SdkServer, startSdkServer } from './support/sdk-server.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const EXAMPLES = join(ROOT, 'packages/sdk/examples');
const run = promisify(execFile);

let env: SdkServer;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  env = await startSdkServer();
  dir = await tempDir('vidforge-sdk-examples-');
});
afterAll(async () => {
  await env.stop();
  await dir.remove();
});

/** `endpoint`: the test engine's by default; examples that need real media use the preview engine's. */
async function runExample(
  name: string,
  endpoint = env.server.endpointPath,
): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [join(EXAMPLES, name)], {
    cwd: dir.path,
    env: {
      ...process.env,
      VIDFORGE_BASE_URL: env.server.basePath,
      VIDFORGE_ENDPOINT: endpoint,
      VIDFORGE_ACCESS_KEY: env.server.key,
    },
    timeout: 20_000,
  });
}

describe('SDK examples', () => {
  it('docs/sdk.md includes every example file verbatim', async () => {
    const markdown = await readFile(join(ROOT, 'docs/sdk.md'), 'utf8');
    const blocks = [...markdown.matchAll(/<!-- example: (\S+) -->\n```ts\n([\s\S]*?)\n```/g)];
    const files = (await readdir(EXAMPLES)).filter((f) => f.endsWith('.ts')).sort();
    expect(blocks.map((b) => b[1]!.replace('packages/sdk/examples/', '')).sort()).toEqual(files);
    for (const [, path, code] of blocks) {
      expect(code, `${path} differs from its copy in docs/sdk.md`).toBe(
        (await readFile(join(ROOT, path!), 'utf8')).trimEnd(),
      );
    }
  });

  it('the Node examples run as written', async () => {
    const [quickstart, resume, errors] = await Promise.all([
      runExample('quickstart.ts'),
      runExample('resume.ts'),
      runExample('errors.ts'),
    ]);
    // After the others: it cancels whatever is still waiting on the endpoint, their tasks included.
    const list = await runExample('list-and-cancel.ts');
    expect(quickstart.stdout).toMatch(/SUCCESS 100%/);
    expect(quickstart.stdout).toContain('saved 65536 bytes to sunset.mp4');
    expect((await stat(join(dir.path, 'sunset.mp4'))).size).toBe(65_536);
    expect(resume.stdout).toMatch(/^done: http/m);
    expect(errors.stderr).toMatch(/rejected, no task created; fix settings\.duration/);
    expect(list.stdout).toMatch(/\d+ finished videos/);
  });

  it('the upload example upscales a local file and extends the result', async () => {
    await ffmpeg(
      ...['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=24', '-t', '1'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', join(dir.path, 'clip.mp4')],
    );
    const { stdout } = await runExample('upload.ts', env.server.previewEndpointPath);
    expect(stdout).toMatch(/^uploaded \d+ bytes of video\/mp4, usable until 20/m);
    expect(stdout).toContain('upscaled to 320x240');
    expect(stdout).toMatch(/^extended to 3 s: http/m);
  });
});
