/**
 * `GET /metrics` of a real running server, parsed strictly: task counters and histograms after
 * tasks of the test engine succeed, fail with a code, are retried and cancelled; the request
 * histogram's route labels stay bounded whatever URLs arrive; queue gauges; the scrape token.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNMATCHED_ROUTE } from '../../src/modules/metrics/index.ts';
import { parsePrometheusText, type Scrape } from '../support/prometheus-text.ts';
import { addRunner, addRunnerEndpoint, runnerCall } from '../support/runners.ts';
import { pollTask, readResponse, startTestServer, type TestServer } from '../support/server.ts';

const TOKEN = `metrics-${randomBytes(16).toString('hex')}`;

async function scrape(server: TestServer, token?: string): Promise<Scrape> {
  const response = await fetch(`${server.url}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

/** Scrapes until `check` passes: some events are recorded just after the client sees their effect. */
async function eventually(server: TestServer, check: (s: Scrape) => void, token?: string): Promise<Scrape> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = await scrape(server, token);
    try {
      check(s);
      return s;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('a server that runs tasks', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const submit = async (prompt: string) => {
    const response = await server.call('POST', '/video/generate', { prompt });
    expect(response.status).toBe(200);
    return response.body.taskId as string;
  };

  it('counts tasks by type, engine, status and code, and times their waits and runs', async () => {
    const ok = await submit('test: steps=1');
    const failed = await submit('test: failAttempts=1 retryable=false failCode=SOURCE_INVALID steps=1');
    const retried = await submit('test: failAttempts=1 retryable=true steps=1');
    const cancelled = await submit('test: steps=400 stepMs=25');
    await pollTask(server, cancelled, (t) => t.status === 'IN_PROGRESS');
    expect((await server.call('DELETE', `/video/tasks/${cancelled}`)).status).toBe(200);
    for (const id of [ok, failed, retried]) await pollTask(server, id);

    const test = { type: 'generate', engine: 'test' };
    const s = await eventually(server, (s) => {
      // The cancelled run records its end once its worker has stopped, just after the DELETE.
      expect(s.value('vidforge_task_run_duration_seconds_count', { ...test, outcome: 'stopped' })).toBe(1);
    });
    expect(s.value('vidforge_tasks_accepted_total', test)).toBe(4);
    expect(s.value('vidforge_tasks_finished_total', { ...test, status: 'SUCCESS' })).toBe(2);
    expect(s.value('vidforge_tasks_finished_total', { ...test, status: 'FAIL' })).toBe(2);
    expect(s.value('vidforge_tasks_failed_total', { ...test, code: 'SOURCE_INVALID' })).toBe(1);
    expect(s.value('vidforge_tasks_failed_total', { ...test, code: 'CANCELLED' })).toBe(1);
    expect(s.value('vidforge_task_retries_total', { ...test, code: 'ENGINE_FAILED' })).toBe(1);
    // Five claims: four first attempts and the retry.
    expect(s.value('vidforge_task_queue_wait_seconds_count', test)).toBe(5);
    const runs = (outcome: string) => s.value('vidforge_task_run_duration_seconds_count', { ...test, outcome });
    expect([runs('succeeded'), runs('failed'), runs('retry'), runs('stopped')]).toEqual([2, 1, 1, 1]);
    // Histograms are cumulative: the +Inf bucket is the count.
    expect(s.value('vidforge_task_run_duration_seconds_bucket', { ...test, outcome: 'succeeded', le: '+Inf' })).toBe(2);
    expect(s.value('vidforge_tasks_refused_total')).toBeUndefined();
    // Nothing waits or runs any more; the engine stays listed at 0.
    expect(s.value('vidforge_queue_pending_tasks', { engine: 'test' })).toBe(0);
    expect(s.value('vidforge_queue_in_progress_tasks', { engine: 'test' })).toBe(0);
    expect(s.value('vidforge_queue_oldest_pending_age_seconds', { engine: 'test' })).toBe(0);
    expect(s.value('vidforge_queue_stats_truncated')).toBe(0);
    expect(s.value('vidforge_runners_connected')).toBe(0);
    expect(s.value('vidforge_runners_busy')).toBe(0);
    // prom-client's process metrics, under their usual names.
    expect(s.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(s.families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
  });

  it('labels requests with the route pattern and status, never the URL', async () => {
    const id = await submit('test: steps=1');
    await pollTask(server, id);
    const s = await scrape(server);
    const poll = {
      method: 'GET',
      route: '/v1/ai/:endpointPath/video/tasks/:taskId',
      status_code: '200',
    };
    expect(s.value('vidforge_http_request_duration_seconds_count', poll)).toBeGreaterThan(0);
    expect(
      s.value('vidforge_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/ai/:endpointPath/video/generate',
        status_code: '200',
      }),
    ).toBe(5);
    const text = JSON.stringify(s.samples('vidforge_http_request_duration_seconds_count'));
    expect(text).not.toContain(id);
    expect(text).not.toContain(server.endpointPath);
  });
});

describe('a server with a metrics token and no workers', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { VIDFORGE_WORKERS: '0', VIDFORGE_METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers 401 in the API error shape without the token or with a wrong one', async () => {
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN, 'Bearer']) {
      const response = await readResponse(
        await fetch(`${server.url}/metrics`, { headers: authorization ? { authorization } : {} }),
      );
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(response.body.error).toMatchObject({ code: 'UNAUTHORIZED', requestId: expect.any(String) });
    }
    await scrape(server, TOKEN);
  });

  it('reports queue depth and the age of the oldest waiting task', async () => {
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      expect((await server.call('POST', '/video/generate', { prompt: `waits ${i}` })).status).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 1100)); // past the one-second cache of the queue read
    const s = await scrape(server, TOKEN);
    expect(s.value('vidforge_queue_pending_tasks', { engine: 'test' })).toBe(3);
    expect(s.value('vidforge_queue_in_progress_tasks', { engine: 'test' })).toBe(0);
    const age = s.value('vidforge_queue_oldest_pending_age_seconds', { engine: 'test' }) ?? 0;
    expect(age).toBeGreaterThanOrEqual(1);
    expect(age).toBeLessThanOrEqual((Date.now() - started) / 1000 + 0.1);
  });

  it('adds no route label for 1,000 random URLs beyond the one of unmatched requests', async () => {
    const routes = (s: Scrape) =>
      new Set(s.samples('vidforge_http_request_duration_seconds_count').map((sample) => sample.labels.route));
    const before = routes(await scrape(server, TOKEN));
    const random = () => randomBytes(12).toString('base64url');
    const shapes = [
      () => `/${random()}`,
      () => `/${random()}/${random()}?q=${random()}`,
      () => `/v1/ai/${random()}/video/tasks/${random()}`,
      () => `/v1/media/${random()}.mp4?exp=1&kid=a&sig=${random()}`,
      () => `/assets/${random()}.js`,
    ];
    const urls = Array.from({ length: 1000 }, (_, i) => shapes[i % shapes.length]!());
    for (let i = 0; i < urls.length; i += 50) {
      await Promise.all(urls.slice(i, i + 50).map(async (url) => (await fetch(`${server.url}${url}`)).text()));
    }
    const s = await scrape(server, TOKEN);
    const added = [...routes(s)].filter((route) => !before.has(route)).sort();
    expect(added).toEqual(
      [UNMATCHED_ROUTE, '/v1/ai/:endpointPath/video/tasks/:taskId', '/v1/media/:file', '/assets/:file'].sort(),
    );
    expect(s.value('vidforge_http_request_duration_seconds_count', { route: UNMATCHED_ROUTE })).toBe(400);
  });

  it('counts remote runners connected and busy, and what they do to tasks', async () => {
    const endpointPath = await addRunnerEndpoint(server, 'preview');
    const { token } = await addRunner(server);
    const submitted = await server.call('POST', `${server.basePath}/${endpointPath}/video/generate`, { prompt: 'x' });
    expect(submitted.status).toBe(200);
    const claimed = await runnerCall(server, token, 'POST', '/claim', { body: { waitMs: 0 } });
    const task = claimed.body.task;
    expect(task.taskId).toBe(submitted.body.taskId);
    const cacheMs = 1100;
    await new Promise((r) => setTimeout(r, cacheMs));
    const busy = await scrape(server, TOKEN);
    expect([busy.value('vidforge_runners_connected'), busy.value('vidforge_runners_busy')]).toEqual([1, 1]);
    expect(busy.value('vidforge_queue_in_progress_tasks', { engine: 'runner:preview' })).toBe(1);

    const failed = await runnerCall(server, token, 'POST', `/tasks/${task.taskId}/fail`, {
      leaseToken: task.leaseToken,
      body: { code: 'SOURCE_UNSUPPORTED', message: 'not this one', retryable: false },
    });
    expect(failed.body).toEqual({ status: 'FAIL' });
    await new Promise((r) => setTimeout(r, cacheMs));
    const s = await scrape(server, TOKEN);
    expect([s.value('vidforge_runners_connected'), s.value('vidforge_runners_busy')]).toEqual([1, 0]);
    const labels = { type: 'generate', engine: 'runner:preview' };
    expect(s.value('vidforge_tasks_accepted_total', labels)).toBe(1);
    expect(s.value('vidforge_tasks_failed_total', { ...labels, code: 'SOURCE_UNSUPPORTED' })).toBe(1);
    expect(s.value('vidforge_task_queue_wait_seconds_count', labels)).toBe(1);
    expect(s.value('vidforge_task_run_duration_seconds_count', { ...labels, outcome: 'failed' })).toBe(1);
    expect(s.value('vidforge_queue_in_progress_tasks', { engine: 'runner:preview' })).toBe(0);
  });
});

describe('a server with a metrics port of its own', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { VIDFORGE_METRICS_PORT: '0', VIDFORGE_METRICS_TOKEN: TOKEN, VIDFORGE_TASK_TIMEOUT_MS: '400' },
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves /metrics there only, behind the same token, counting the API port’s requests', async () => {
    const { metricsUrl } = server.server;
    expect(metricsUrl).not.toBe('');
    expect(metricsUrl).not.toBe(server.url);
    const onApi = await readResponse(
      await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } }),
    );
    expect(onApi.status).toBe(404);
    expect(onApi.body.error.code).toBe('NOT_FOUND');
    const denied = await readResponse(await fetch(`${metricsUrl}/metrics`));
    expect(denied.status).toBe(401);
    expect(denied.body.error.code).toBe('UNAUTHORIZED');
    const response = await fetch(`${metricsUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    const s = parsePrometheusText(await response.text());
    expect(
      s.value('vidforge_http_request_duration_seconds_count', { route: UNMATCHED_ROUTE, status_code: '404' }),
    ).toBe(1);
    expect(s.value('vidforge_queue_pending_tasks', { engine: 'preview' })).toBe(0);
  });

  it('counts a task the reaper ends at its deadline', async () => {
    const submitted = await server.call('POST', '/video/generate', { prompt: 'test: steps=100 stepMs=50' });
    const { task } = await pollTask(server, submitted.body.taskId);
    expect(task.error.code).toBe('TIMEOUT');
    const labels = { type: 'generate', engine: 'test' };
    await eventually(
      { ...server, url: server.server.metricsUrl },
      (s) => {
        expect(s.value('vidforge_tasks_failed_total', { ...labels, code: 'TIMEOUT' })).toBe(1);
        expect(s.value('vidforge_task_run_duration_seconds_count', { ...labels, outcome: 'stopped' })).toBe(1);
      },
      TOKEN,
    );
  });
});
