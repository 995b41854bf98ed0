/**
 * Local files in the console, in real headless Chromium against a real server: an image chosen
 * with the file picker is uploaded through the SDK, previewed from the browser's copy and made
 * into a real video; a video dropped on the upscale form is upscaled; a file the server refuses
 * shows the server's reason on the field, and nothing is submitted.
 */
import { readFile } from 'node:fs/promises';
import { type Fixtures, makeFixtures, startTestServer, type TestServer } from '@vidforge/server/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, launchBrowser, screenshot, watchPage } from './browser.ts';

let server: TestServer;
let fixtures: Fixtures;
let browser: Browser;
let page: Page;
let problems: { errors: string[] };
const submits: string[] = [];

beforeAll(async () => {
  [server, browser, fixtures] = await Promise.all([startTestServer(), launchBrowser(), makeFixtures()]);
  page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  page.setDefaultTimeout(15_000);
  problems = watchPage(page);
  page.on('request', (request) => {
    if (/\/video\/(generate|upscale|extend)$/.test(request.url())) submits.push(request.url());
  });
  await page.goto(`${server.url}/`);
  await page.getByLabel('Endpoint', { exact: true }).fill(server.previewEndpointPath);
  await page.getByLabel('Access key').fill(server.key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Tasks' }).waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await fixtures?.remove();
});

const panel = (type: 'generate' | 'upscale') => page.locator(`#panel-${type}`);

async function finished(type: 'generate' | 'upscale'): Promise<string> {
  const form = panel(type);
  await form.locator('button[type=submit]').click();
  await form
    .locator('.form-status')
    .getByText(/^Submitted task /)
    .waitFor();
  const short = (await form.locator('.form-status').textContent())!.replace(/^Submitted task (\S+)\.$/, '$1');
  const card = page.locator(`li.task[data-task-id$="${short}"][data-status="SUCCESS"]`);
  await card.waitFor({ timeout: 60_000 });
  return (await card.locator('.task-video').textContent()) ?? '';
}

describe('uploading local files', () => {
  it('uploads an image chosen with the picker, previews it, and generates a video from it', async () => {
    const form = panel('generate');
    await form.getByLabel('Prompt', { exact: true }).fill('The test card comes alive');
    await form.getByRole('radio', { name: /1:1/ }).check({ force: true }); // drawn as a chip
    const chooser = page.waitForEvent('filechooser');
    await form.getByRole('button', { name: 'Choose an image file…' }).click();
    await (await chooser).setFiles(fixtures.png);
    await form
      .locator('.upload-status')
      .getByText(/^Uploaded image\.png \(.+, image\/png\), kept until /)
      .waitFor();
    await form
      .locator('.preview-note')
      .getByText(/Image 320×180$/)
      .waitFor();
    const preview = await form.locator('.preview img').evaluate((img: HTMLImageElement) => img.src);
    expect(preview).toMatch(/^blob:/);
    expect(await form.getByLabel('Source image URL').inputValue()).toMatch(/\/v1\/videos\/uploads\/[\w-]+\.png\?/);
    await screenshot(page, 'upload-image-desktop');
    expect(await finished('generate')).toBe('720×720 · 2 s · 24 fps');
  }, 90_000);

  it('upscales a video dropped on the form', async () => {
    await page.getByRole('tab', { name: 'Upscale' }).click();
    const form = panel('upscale');
    const bytes = [...(await readFile(fixtures.mp4))];
    // What a drop from the desktop delivers: a DataTransfer holding a File.
    const transfer = await page.evaluateHandle((data) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], 'clip.mp4', { type: 'video/mp4' }));
      return dt;
    }, bytes);
    const field = form.locator('.field').filter({ has: page.getByLabel('Source video URL') });
    await field.dispatchEvent('dragover', { dataTransfer: transfer });
    await field.dispatchEvent('drop', { dataTransfer: transfer });
    await form
      .locator('.upload-status')
      .getByText(/^Uploaded clip\.mp4 /)
      .waitFor();
    await form.locator('.preview-note').getByText('Video 160×120, 1.0 s').waitFor();
    expect(await finished('upscale')).toMatch(/^320×240 · 1 s/);
  }, 90_000);

  it('shows the server’s refusal on the field and submits nothing', async () => {
    const form = panel('upscale');
    await form.getByRole('button', { name: 'Reset to defaults' }).click();
    const before = submits.length;
    const chooser = page.waitForEvent('filechooser');
    await form.getByRole('button', { name: 'Choose a video file…' }).click();
    await (await chooser).setFiles({
      name: 'notes.mp4',
      mimeType: 'video/mp4',
      buffer: Buffer.from('not a video\n'.repeat(9)),
    });
    const error = form.locator('.field-error:not([hidden])');
    await error.getByText(/Could not upload notes\.mp4 .*must be an image .* or a video/).waitFor();
    expect(await form.getByLabel('Source video URL').getAttribute('aria-invalid')).toBe('true');
    // An image where a video is needed: refused by kind, with the field still empty.
    const again = page.waitForEvent('filechooser');
    await form.getByRole('button', { name: 'Choose a video file…' }).click();
    await (await again).setFiles(fixtures.png);
    await error.getByText('image.png is an image; choose a video.').waitFor();
    await form.locator('button[type=submit]').click();
    const shown = await form.locator('.form-summary:not([hidden]), .field-error:not([hidden])').allTextContents();
    await page.waitForTimeout(300);
    expect(submits.length, JSON.stringify(shown)).toBe(before);
  });

  it('caused no script errors and no Content-Security-Policy violations', () => {
    // The refused upload's 415 is logged by Chromium as a failed resource; nothing else may be.
    const others = problems.errors.filter((e) => !/status of 415 \(Unsupported Media Type\)/.test(e));
    expect(others, others.join('\n')).toEqual([]);
  });
});
