/**
 * Usage and live-progress metrics on `GET /metrics` of a real server, parsed strictly: the usage
 * counters are the database's all-time figures (the same `vidforge usage` sums), labelled by
 * endpoint path, operation and outcome; the stream gauges and counters move with a stream.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parsePrometheusText, type Scrape } from '../support/prometheus-text.ts';
import { pollTask, startTestServer, type TestServer } from '../support/server.ts';
import { openSse } from '../support/sse.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_MAX_ATTEMPTS: '2' } });
});

afterAll(async () => {
  await server?.stop();
});

async function scrape(): Promise<Scrape> {
  const response = await fetch(`${server.url}/metrics`);
  return parsePrometheusText(await response.text());
}

it('exports usage by endpoint, operation and outcome, and the stream figures', async () => {
  const submit = async (prompt: string) => (await server.call('POST', '/video/generate', { prompt })).body.taskId;
  const ok = await submit('test: steps=2 stepMs=30');
  const stream = await openSse(`${server.basePath}/${server.endpointPath}/video/tasks/${ok}/events`, {
    authorization: `Bearer ${server.key}`,
  });
  await stream.until(() => true);
  const during = await scrape();
  expect(during.value('vidforge_sse_streams_open')).toBe(1);
  await stream.ended;
  const failed = await submit('test: failAttempts=9 retryable=true');
  const { task } = await pollTask(server, ok);
  await pollTask(server, failed);

  // Read at scrape time from the database, cached for 5 s: wait for the figures to show.
  const labels = { endpoint: server.endpointPath, type: 'generate' };
  let s = await scrape();
  for (let i = 0; i < 120 && s.value('vidforge_usage_tasks_total', { ...labels, outcome: 'failed' }) !== 1; i++) {
    await new Promise((r) => setTimeout(r, 100));
    s = await scrape();
  }
  expect(s.families.get('vidforge_usage_tasks_total')?.type).toBe('counter');
  expect(s.value('vidforge_usage_tasks_total', { ...labels, outcome: 'succeeded' })).toBe(1);
  expect(s.value('vidforge_usage_tasks_total', { ...labels, outcome: 'failed' })).toBe(1);
  expect(s.value('vidforge_usage_video_seconds_total', labels)).toBe(task.video.durationSeconds);
  expect(s.value('vidforge_usage_engine_seconds_total', labels)).toBeGreaterThan(0);
  // Key ids are never labels.
  for (const sample of s.samples('vidforge_usage_tasks_total'))
    expect(Object.keys(sample.labels).sort()).toEqual(['endpoint', 'outcome', 'type']);

  expect(s.value('vidforge_sse_streams_open')).toBe(0);
  expect(s.value('vidforge_sse_events_total', { event: 'done' })).toBe(1);
  expect(s.value('vidforge_sse_events_total', { event: 'task' })).toBeGreaterThanOrEqual(1);
  expect(s.value('vidforge_sse_watch_queries_total')).toBeGreaterThanOrEqual(1);
});
