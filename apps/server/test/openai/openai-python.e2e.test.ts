/**
 * The same flow through the official `openai` Python package (installed pinned into
 * .venv-test-tools by scripts/install-test-tools), run as a child process against a running server.
 * Skipped with a message when the tools are not installed.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { probe } from '../engines/preview-helpers.ts';
import { type Fixtures, makeFixtures } from '../media/fixtures.ts';
import { startTestServer, type TestServer } from '../support/index.ts';

const run = promisify(execFile);
const python = new URL('../../../../.venv-test-tools/bin/python', import.meta.url).pathname;
const script = new URL('./openai_python_flow.py', import.meta.url).pathname;
const installed = existsSync(python);

let server: TestServer;
let fixtures: Fixtures;

beforeAll(async () => {
  if (!installed) return;
  [server, fixtures] = await Promise.all([startTestServer(), makeFixtures()]);
});

afterAll(async () => {
  await server?.stop();
  await fixtures?.remove();
});

it.skipIf(!installed)(
  'the official Python client: create with an image, poll, download, remix, list, delete, errors',
  async () => {
    const { stdout } = await run(python, [script, `${server.url}/v1`, server.key, fixtures.png, fixtures.dir], {
      timeout: 120_000,
    });
    const seen = JSON.parse(stdout);
    expect(seen.models).toEqual(['preview', 'test']);
    expect(seen.created).toMatchObject({
      object: 'video',
      status: 'completed',
      progress: 100,
      size: '720x720',
      seconds: '2',
    });
    expect(await probe(join(fixtures.dir, 'python.mp4'))).toMatchObject({ width: 720, height: 720, frames: 48 });
    expect(await probe(join(fixtures.dir, 'python-thumbnail.webp'))).toMatchObject({ codec: 'webp' });
    expect(seen.remix).toMatchObject({ status: 'completed', remixed_from_video_id: seen.created.id });
    expect(seen.listed[0]).toBe(seen.created.id);
    expect(seen.deleted).toEqual({ id: seen.remix.id, object: 'video.deleted', deleted: true });
    expect(seen.retrieve_deleted.status).toBe(404);
    expect(seen.bad_model).toMatchObject({ status: 400, body: { param: 'model', code: 'model_not_found' } });
    expect(seen.bad_size).toMatchObject({ status: 400, body: { param: 'size', code: 'unsupported_size' } });
    expect(seen.wrong_key).toMatchObject({ status: 401, body: { code: 'invalid_api_key' } });
  },
);

if (!installed) it('needs scripts/install-test-tools for the Python client', () => {});
