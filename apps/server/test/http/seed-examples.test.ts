/**
 * The seed document's four curl examples, verbatim except for the host, endpointPath, key (and the
 * taskId of the query), run with the real curl against a running server.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/index.ts';

const run = promisify(execFile);
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_WORKERS: '0' } });
});
afterAll(() => server.stop());

const SEED = {
  generate: `curl -X POST "https://genaiapi.cloudsway.net/v1/ai/LPUqHEAjfonOmohV/video/generate" \\
-H "Authorization: Bearer RWxxxxxxxx0Gd" \\
-H "Content-Type: application/json" \\
-d '{
"prompt": "Generate a video of a sunset over the ocean.",
"negativePrompt": "Avoid dark and gloomy scenes.",
"config": {
"sourceImage": "https://demo.jpg"
},
"settings": {
"seed": 42,
"duration": 2,
"aspectRatio": "16:9"
}
}'`,
  upscale: `curl -X POST "https://genaiapi.cloudsway.net/v1/ai/LPUqHEAjfonOmohV/video/upscale" \\
-H "Authorization: Bearer RWxxxxxxxx0Gd" \\
-H "Content-Type: application/json" \\
-d '{
"config": {
"sourceVideo": "https://demo.mp4"
}
}'`,
  extend: `curl -X POST "https://genaiapi.cloudsway.net/v1/ai/LPUqHEAjfonOmohV/video/extend" \\
-H "Authorization: Bearer RWxxxxxxxx0Gd" \\
-H "Content-Type: application/json" \\
-d '{
"prompt": "Generate a video of a sunset over the ocean.",
"negativePrompt": "Avoid dark and gloomy scenes.",
"config": {
"sourceVideo": "https://demo.mp4",
"extendDuration": 4
},
"settings": {
"seed": 42,
"guidanceScale": 7.5
}
}'`,
  query: `curl -X GET "https://genaiapi.cloudsway.net/v1/ai/LPUqHEAjfonOmohV/video/tasks/1234abcd" \\
-H "Authorization: Bearer RWxxxxxxxx0Gd"`,
};

async function curl(example: string, taskId?: string): Promise<any> {
  let command = example
    .replace('https://genaiapi.cloudsway.net/v1/ai', server.basePath)
    .replace('LPUqHEAjfonOmohV', server.previewEndpointPath)
    .replace('RWxxxxxxxx0Gd', server.key);
  if (taskId) command = command.replace('1234abcd', taskId);
  const { stdout } = await run('bash', ['-c', `${command} --silent --show-error`]);
  return JSON.parse(stdout);
}

describe('the seed curl examples', () => {
  it('generate, upscale and extend each return {"taskId": ...}', async () => {
    for (const name of ['generate', 'upscale', 'extend'] as const) {
      const body = await curl(SEED[name]);
      expect(Object.keys(body), name).toEqual(['taskId']);
      expect(body.taskId).toMatch(/^[0-9a-v]{10}[A-Za-z0-9_-]{22}$/);
    }
  });

  it('query returns the status, mediaUrl, expireTime and progress fields', async () => {
    const { taskId } = await curl(SEED.generate);
    const task = await curl(SEED.query, taskId);
    expect(task).toMatchObject({ status: 'PENDING', mediaUrl: null, expireTime: null, progress: 0, taskId });
    expect(task.seed).toBe(42);
  });
});
