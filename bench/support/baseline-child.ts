/**
 * Child entry: the baselines that need a server process of their own, pinned like Vidforge's, so
 * each ratio compares like with like on the same machine in the same run.
 *
 * - The bare Fastify routes return the JSON that Vidforge returned for the same request (sent by
 *   the parent as "config"), with no auth, validation, database or logging: what HTTP, routing and
 *   serialisation alone cost.
 * - /file streams a byte range of a file from disk: the floor of a Range download.
 * - /fetch downloads a URL to a file with undici: the floor of fetching a source.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import Fastify from 'fastify';
import { request } from 'undici';

interface BaselineConfig {
  type: 'config';
  taskJson: unknown;
  submitJson: unknown;
}

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
let config: BaselineConfig | null = null;

// Same route shapes as Vidforge's, so routing costs the same.
app.get('/v1/ai/:endpointPath/video/tasks/:taskId', async () => config?.taskJson);
app.post('/v1/ai/:endpointPath/video/generate', async () => config?.submitJson);

app.get<{ Querystring: { path: string } }>('/file', async (request, reply) => {
  const { size } = await stat(request.query.path);
  const match = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
  const start = match ? Number(match[1]) : 0;
  const end = match?.[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  if (match) reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`);
  reply.header('content-type', 'video/mp4').header('content-length', end - start + 1);
  return reply.send(createReadStream(request.query.path, { start, end }));
});

app.post<{ Body: { url: string; path: string } }>('/fetch', async (req) => {
  const response = await request(req.body.url);
  await pipeline(response.body, createWriteStream(req.body.path));
  return { status: response.statusCode };
});

process.on('message', (message: { type?: string }) => {
  if (message?.type === 'config') {
    config = message as BaselineConfig;
    process.send?.({ type: 'configured' });
  } else if (message?.type === 'stop') {
    app.close().then(() => process.exit(0));
  }
});

// A bench that dies must not leave servers running.
process.on('disconnect', () => process.exit(0));

const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.send?.({ type: 'ready', url });
