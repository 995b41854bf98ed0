/**
 * Local files as sources: `--image FILE`, `upscale FILE`, `extend FILE` upload first, through the
 * real binary against a real server. Paths that cannot be used are usage errors (exit 2) before
 * the server is contacted; files the server refuses exit 2 with its error.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Fixtures, makeFixtures, startTestServer, type TestServer, tempDir } from '@vidforge/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, type CliResult, runCli, serverEnv } from './support/run-cli.ts';

let server: TestServer;
let fixtures: Fixtures;
let dir: Awaited<ReturnType<typeof tempDir>>;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  [server, fixtures, dir] = await Promise.all([startTestServer(), makeFixtures(), tempDir('vidforge-cli-files-')]);
  env = { ...baseEnv(dir.path), ...serverEnv(server) };
  await mkdir(join(dir.path, 'folder'));
  await writeFile(join(dir.path, 'empty.png'), '');
  await writeFile(join(dir.path, 'notes.png'), 'these are notes, not a picture\n'.repeat(4));
});
afterAll(async () => {
  await server?.stop();
  await fixtures?.remove();
  await dir?.remove();
});

const vidforge = (args: string[]) => runCli(args, { env, cwd: dir.path });

function json(result: CliResult) {
  expect(result.code, `exit ${result.code}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout);
}

const UPLOAD_URL = /^http:\/\/127\.0\.0\.1:\d+\/v1\/videos\/uploads\/[\w-]+\.(png|mp4)\?/;

describe.concurrent('local files', () => {
  it('generate --image FILE uploads the image and submits its URL', async () => {
    const { taskId } = json(await vidforge(['generate', 'From a photo', '--image', fixtures.png, '--json']));
    const task = json(await vidforge(['status', taskId, '--json']));
    expect(task.request.config.sourceImage).toMatch(UPLOAD_URL);
  });

  it('upscale FILE runs on the uploaded video (preview engine)', async () => {
    const args = ['upscale', fixtures.mp4, '--endpoint', server.previewEndpointPath, '--wait', '--json'];
    const task = json(await vidforge(args));
    expect(task).toMatchObject({ status: 'SUCCESS', video: { width: 320, height: 240 } });
    expect(task.request.config.sourceVideo).toMatch(UPLOAD_URL);
  });

  it('extend FILE keeps the other flags; an http(s) URL is still sent as it is', async () => {
    const { taskId } = json(await vidforge(['extend', fixtures.mp4, '--seconds', '2', '--prompt', 'on', '--json']));
    const task = json(await vidforge(['status', taskId, '--json']));
    expect(task.request).toMatchObject({ prompt: 'on', config: { extendDuration: 2 } });
    expect(task.request.config.sourceVideo).toMatch(UPLOAD_URL);
    const byUrl = json(await vidforge(['upscale', 'https://example.com/in.mp4', '--json']));
    const other = json(await vidforge(['status', byUrl.taskId, '--json']));
    expect(other.request.config.sourceVideo).toBe('https://example.com/in.mp4');
  });

  it('refuses paths it cannot use before contacting the server (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['generate', 'x', '--image', './missing.png'], /--image: no such file: \.\/missing\.png/],
      [['upscale', 'missing.mp4'], /the source video: no such file: missing\.mp4/],
      [['extend', './folder'], /the source video: \.\/folder is not a file/],
      [['generate', 'x', '--image', 'empty.png'], /--image: empty\.png is empty/],
      // Checked before the flags' own validation gets a chance to send anything.
      [['upscale', 'missing.mp4', '--base-url', 'http://127.0.0.1:9/v1/ai'], /no such file/],
    ];
    for (const [args, message] of cases) {
      const result = await vidforge([...args, '--json']);
      expect([args, result.code, result.stdout]).toEqual([args, 2, '']);
      expect(result.stderr).toMatch(message);
    }
  });

  it('a file the server refuses, or of the wrong kind, exits 2 with the reason', async () => {
    const notes = await vidforge(['generate', 'x', '--image', 'notes.png', '--json']);
    expect(notes.code).toBe(2);
    expect(JSON.parse(notes.stdout).error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });
    const video = await vidforge(['generate', 'x', '--image', fixtures.mp4]);
    expect(video.code).toBe(2);
    expect(video.stderr).toMatch(/--image: .*video\.mp4 is a video \(video\/mp4\); an image is needed/);
    const image = await vidforge(['upscale', fixtures.png]);
    expect(image.code).toBe(2);
    expect(image.stderr).toMatch(/is an image \(image\/png\); a video is needed/);
  });
});
