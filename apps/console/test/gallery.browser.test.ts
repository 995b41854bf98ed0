/**
 * The console's first hour, in real headless Chromium on a 1440×900 screen, opened as
 * `http://localhost:PORT` while the server signs media URLs for `127.0.0.1` (its default public
 * URL): the sign-in speaks of "Endpoint" and "Access key", the form fits with its submit button in
 * view, Ctrl+Enter submits and the new task comes into view, results show as a gallery of poster
 * frames (made once and stored), an upscale's card links to its source task, Download saves the
 * file without leaving (and so without signing out), and a result can be deleted.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@vidforge/server/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, PHONE, screenshot, watchPage } from './browser.ts';

const SCREEN = { width: 1440, height: 900 };

let server: TestServer;
let browser: Browser;
let page: Page;
let problems: { errors: string[] };
let origin: string;
/** The tasks made here, oldest first. */
const made: { generate?: string; second?: string; upscale?: string } = {};

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  origin = server.url.replace('127.0.0.1', 'localhost');
  const context = await browser.newContext({ viewport: SCREEN, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  problems = watchPage(page);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const panel = (type: 'generate' | 'upscale') => page.locator(`#panel-${type}`);
const card = (taskId: string) => page.locator(`li.task[data-task-id="${taskId}"]`);

/** The id of the task the form just submitted, once its card is listed. */
async function submitted(type: 'generate' | 'upscale'): Promise<string> {
  const status = panel(type).locator('.form-status');
  await status.getByText(/^Submitted task /).waitFor();
  const short = (await status.textContent())!.replace(/^Submitted task (\S+)\.$/, '$1');
  const li = page.locator(`li.task[data-task-id$="${short}"]`);
  await li.waitFor();
  return (await li.getAttribute('data-task-id'))!;
}

async function finished(taskId: string): Promise<void> {
  await card(taskId).and(page.locator('[data-status="SUCCESS"]')).waitFor({ timeout: 60_000 });
}

/** Whether the element's box lies wholly inside the viewport. */
const inView = (selector: string) =>
  page.locator(selector).evaluate((el) => {
    const box = el.getBoundingClientRect();
    return box.top >= 0 && box.left >= 0 && box.bottom <= window.innerHeight && box.right <= window.innerWidth;
  });

async function posterShown(taskId: string): Promise<boolean> {
  const poster = card(taskId).locator('img.poster');
  await poster.and(page.locator(':not([hidden])')).waitFor({ state: 'attached' });
  await page.waitForFunction((el) => (el as HTMLImageElement).naturalWidth > 0, await poster.elementHandle());
  return card(taskId).locator('.poster-button').isVisible();
}

/** Stored files under the data directory whose names end with `suffix`. */
async function stored(suffix: string): Promise<string[]> {
  const files = await readdir(server.dataDir, { recursive: true });
  return files.map(String).filter((f) => f.endsWith(suffix));
}

describe('the console’s first hour', () => {
  it('signs in with plain words: "Endpoint" and "Access key"', async () => {
    await page.goto(`${origin}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.locator('main').textContent()).not.toMatch(/endpointPath|AccessKey/);
    await page.getByLabel('Endpoint', { exact: true }).fill(server.previewEndpointPath);
    await page.getByLabel('Access key', { exact: true }).fill(server.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();
  });

  it('fits a 1440×900 screen: every form’s submit button is visible without scrolling', async () => {
    for (const tab of ['Generate', 'Upscale', 'Extend']) {
      await page.getByRole('tab', { name: tab }).click();
      const submit = `#panel-${tab.toLowerCase()} button[type=submit]`;
      expect(await inView(submit), `${tab}: the submit button is below the fold`).toBe(true);
    }
    await page.getByRole('tab', { name: 'Generate' }).click();
  });

  it('Ctrl+Enter submits from the prompt, and the new task comes into view', async () => {
    const form = panel('generate');
    await form.getByRole('radio', { name: /^2 s/ }).check({ force: true });
    await form.getByLabel('Prompt', { exact: true }).fill('A lighthouse at dusk, waves below');
    await form.getByLabel('Prompt', { exact: true }).press('Control+Enter');
    made.generate = await submitted('generate');
    expect(await inView(`li.task[data-task-id="${made.generate}"]`)).toBe(true);
    await finished(made.generate);
  }, 90_000);

  it('shows results as a gallery of poster frames, newest first, made once and stored', async () => {
    expect(await page.locator('.task-list').getAttribute('class')).toContain('gallery');
    expect(await posterShown(made.generate!)).toBe(true);
    expect(await stored('.thumbnail.webp')).toHaveLength(1);

    const form = panel('generate');
    await form.getByLabel('Prompt', { exact: true }).fill('A paper boat on a rainy street');
    await form.getByRole('radio', { name: /9:16/ }).check({ force: true });
    await form.locator('button[type=submit]').click();
    made.second = await submitted('generate');
    await finished(made.second);
    expect(await posterShown(made.second)).toBe(true);
    // Newest first, each with its date, prompt, type and status.
    const ids = await page.locator('li.task').evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.taskId));
    expect(ids).toEqual([made.second, made.generate]);
    const first = card(made.second);
    expect(await first.locator('time.created').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await first.locator('.task-summary').textContent()).toBe('A paper boat on a rainy street');
    expect(await first.locator('.type-badge').textContent()).toBe('generate');
    expect(await first.locator('.status-badge').textContent()).toBe('Finished');
    // Made once: asking again serves the stored file, which stays as it was.
    const [file] = await stored(`${made.second}/1.thumbnail.webp`);
    const before = (await stat(join(server.dataDir, file!))).mtimeMs;
    const again = await page.request.get(`${origin}/v1/videos/${made.second}/content?variant=thumbnail`, {
      headers: { authorization: `Bearer ${server.key}` },
    });
    expect([again.status(), again.headers()['content-type']]).toEqual([200, 'image/webp']);
    expect((await stat(join(server.dataDir, file!))).mtimeMs).toBe(before);
    expect(await stored('.thumbnail.webp')).toHaveLength(2);
  }, 120_000);

  it('an upscale’s card names its source task, and the link brings that task into view', async () => {
    await card(made.generate!).getByRole('button', { name: 'Play', exact: true }).click();
    await page.getByRole('button', { name: 'Upscale this' }).click();
    await panel('upscale').locator('button[type=submit]').click();
    made.upscale = await submitted('upscale');
    const source = card(made.upscale).locator('.task-source');
    expect(await source.textContent()).toBe(`Upscale of task ${made.generate!.slice(-8)}`);
    // No signed URL as its title: only the request under "Parameters" keeps the URL as sent.
    expect(await card(made.upscale).locator('.task-summary').count()).toBe(0);
    expect(await card(made.upscale).locator('.task-head, .task-source').allTextContents()).not.toContainEqual(
      expect.stringContaining('/v1/media/'),
    );
    await source.getByRole('button').click();
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.taskId)).toBe(
      made.generate,
    );
    await finished(made.upscale);
    expect(await posterShown(made.upscale)).toBe(true);
    await screenshot(page, 'gallery-desktop', false);
    await page.setViewportSize(PHONE);
    await page.locator('.tasks').evaluate((el) => el.scrollIntoView());
    await screenshot(page, 'gallery-phone', false);
    await page.setViewportSize(SCREEN);
  }, 120_000);

  it('Download at localhost saves the video and leaves the console signed in', async () => {
    await card(made.upscale!).getByRole('button', { name: 'Play', exact: true }).click();
    const link = page.getByRole('link', { name: 'Download' });
    await page.waitForFunction(
      (el) => (el as HTMLAnchorElement).href.includes('/v1/media/'),
      await link.elementHandle(),
    );
    // Signed for 127.0.0.1, offered on the page's own origin, where `download` is honoured.
    expect(await link.getAttribute('href')).toMatch(new RegExp(`^${origin}/v1/media/`));
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    // The server names the file (Content-Disposition), which wins over the link's own suggestion.
    expect(download.suggestedFilename()).toMatch(new RegExp(`${made.upscale}\\.mp4$`));
    expect(await download.failure()).toBeNull();
    expect(page.url()).toBe(`${origin}/`);
    expect(await page.getByRole('heading', { name: 'Tasks' }).isVisible()).toBe(true);
  });

  it('deletes a task’s video after asking; the task stays, without its video or poster', async () => {
    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await card(made.second!).getByRole('button', { name: 'Delete video' }).click();
    await card(made.second!).locator('.task-gone:not([hidden])').waitFor();
    expect(asked).toContain(`Delete the video of task ${made.second!.slice(-8)}?`);
    expect(await card(made.second!).locator('.poster-button').isVisible()).toBe(false);
    expect(await card(made.second!).getByRole('button', { name: 'Play', exact: true }).isVisible()).toBe(false);
    const task = (
      await server.call('GET', `${server.basePath}/${server.previewEndpointPath}/video/tasks/${made.second}`)
    ).body;
    expect(task).toMatchObject({ status: 'SUCCESS', mediaUrl: null });
    // Declining the question deletes nothing.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await card(made.generate!).getByRole('button', { name: 'Delete video' }).click();
    expect(await card(made.generate!).getByRole('button', { name: 'Play', exact: true }).isVisible()).toBe(true);
  });

  it('caused no script errors and no Content-Security-Policy violations', () => {
    expect(problems.errors).toEqual([]);
  });
});
