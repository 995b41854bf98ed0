/**
 * The task card of a PENDING task in real headless Chromium: its place in line and, on a runner
 * endpoint, the warning while no runner that could take it is online, gone once one connects.
 * The server has no in-process workers, so its tasks stay PENDING until cancelled.
 */
import { addRunner, addRunnerEndpoint, runnerCall, startTestServer, type TestServer } from '@vidforge/server/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, launchBrowser, screenshot, watchPage } from './browser.ts';

const WARNING = 'No runner serving ltx2 is online; the task waits until one connects.';
let server: TestServer;
let browser: Browser;
let page: Page;
let problems: { errors: string[] };
let endpointPath: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ env: { VIDFORGE_WORKERS: '0' } }), launchBrowser()]);
  endpointPath = await addRunnerEndpoint(server, 'ltx2');
  page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  page.setDefaultTimeout(15_000);
  problems = watchPage(page);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const api = (method: string, path: string, body?: unknown) =>
  server.call(method, `${server.basePath}/${endpointPath}${path}`, body);
const card = (taskId: string) => page.locator(`li.task[data-task-id="${taskId}"]`);

describe('a queued task on a runner endpoint', () => {
  it('shows its place in line and that no runner is online, until one connects', async () => {
    const first = (await api('POST', '/video/generate', { prompt: 'a heron' })).body.taskId as string;
    const second = (await api('POST', '/video/generate', { prompt: 'a crane' })).body.taskId as string;

    await page.goto(`${server.url}/`);
    await page.getByLabel('Endpoint', { exact: true }).fill(endpointPath);
    await page.getByLabel('Access key').fill(server.key);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect.poll(() => card(second).locator('.task-queue').textContent()).toBe('Queued: 2nd in line');
    expect(await card(first).locator('.task-queue').textContent()).toBe('Queued: 1st in line');
    await expect.poll(() => card(second).locator('.task-warning').textContent()).toBe(WARNING);
    expect(await card(second).locator('.task-warning').isVisible()).toBe(true);
    await screenshot(page, 'queue-no-runner');

    // The first leaves the queue: the second moves up, and the first's card says nothing of a queue.
    expect((await api('DELETE', `/video/tasks/${first}`)).body.status).toBe('FAIL');
    await expect.poll(() => card(second).locator('.task-queue').textContent()).toBe('Queued: 1st in line');
    await expect.poll(() => card(first).locator('.task-queue').isHidden()).toBe(true);
    expect(await card(first).locator('.task-warning').isHidden()).toBe(true);

    // A runner that may generate for ltx2 calls (claiming only upscales, so the task stays queued).
    const runner = await addRunner(server, { engines: ['ltx2'] });
    const call = await runnerCall(server, runner.token, 'POST', '/claim', {
      body: { waitMs: 0, operations: ['upscale'] },
    });
    expect(call.status).toBe(200);
    // The server reads the runner list at most every 2 s; the console polls every second.
    await expect.poll(() => card(second).locator('.task-warning').isHidden(), { timeout: 10_000 }).toBe(true);
    expect(await card(second).locator('.task-queue').textContent()).toBe('Queued: 1st in line');
    expect(problems.errors).toEqual([]);
  });
});
