/**
 * The web console in real headless Chromium against a real server: one browser, one server and
 * one page for the whole file, walking through what a user does. The `test` engine endpoint gives
 * scripted progress, cancellation and failures; the `preview` endpoint makes real H.264 videos.
 */
import { startTestServer, type TestServer } from '@vidforge/server/testing';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, launchBrowser, PHONE, screenshot, watchPage } from './browser.ts';

/** A 16×9 PNG, served by a route for the source-image preview. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAJCAIAAAC0SDtlAAAAFElEQVR4nGM4UaFBEmIY1TAoNAAA0SvKgWvAW1cAAAAASUVORK5CYII=',
  'base64',
);

let server: TestServer;
let browser: Browser;
let page: Page;
let problems: { errors: string[] };
/** API requests the page made, to prove that invalid input is never sent. */
const apiRequests: Request[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  const context = await browser.newContext({ viewport: DESKTOP });
  page = await context.newPage();
  // Shorter than a test's own timeout, so a stuck step fails with Playwright's account of it.
  page.setDefaultTimeout(15_000);
  problems = watchPage(page);
  page.on('request', (request) => {
    if (request.url().includes('/v1/ai/')) apiRequests.push(request);
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const panel = (type: 'generate' | 'upscale' | 'extend') => page.locator(`#panel-${type}`);
const card = (taskId: string) => page.locator(`li.task[data-task-id="${taskId}"]`);

async function signIn(endpointPath: string, key: string, remember = false): Promise<void> {
  await page.getByLabel('Endpoint', { exact: true }).fill(endpointPath);
  await page.getByLabel('Access key').fill(key);
  await page.getByLabel('Remember me on this device').setChecked(remember);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Submits the form and returns the new task's id, once its card is in the list. */
async function submit(type: 'generate' | 'upscale' | 'extend'): Promise<string> {
  const form = panel(type);
  await form.locator('button[type=submit]').click();
  const status = form.locator('.form-status');
  try {
    await page.waitForFunction((el) => /^Submitted task /.test(el?.textContent ?? ''), await status.elementHandle());
  } catch (error) {
    const shown = await form.locator('.form-summary, .field-error:not([hidden]), .form-status').allTextContents();
    throw new Error(`${type} was not submitted; the form shows: ${JSON.stringify(shown)}`, { cause: error });
  }
  const short = (await status.textContent())!.replace(/^Submitted task (\S+)\.$/, '$1');
  const li = page.locator(`li.task[data-task-id$="${short}"]`);
  await li.waitFor();
  return (await li.getAttribute('data-task-id'))!;
}

async function waitForStatus(taskId: string, status: string, timeout = 30_000): Promise<void> {
  try {
    await page.locator(`li.task[data-task-id="${taskId}"][data-status="${status}"]`).waitFor({ timeout });
  } catch (error) {
    const shown = await card(taskId)
      .textContent({ timeout: 1000 })
      .catch(() => '(no card)');
    throw new Error(`task ${taskId} did not reach ${status}; its card shows:\n${shown}`, { cause: error });
  }
}

async function generate(prompt: string): Promise<string> {
  await page.getByRole('tab', { name: 'Generate' }).click();
  await panel('generate').getByLabel('Prompt', { exact: true }).fill(prompt);
  return submit('generate');
}

/** The video element of the player, once it can play: readiness, duration and loop. */
async function playerVideo() {
  const video = page.locator('section.player video');
  await page.waitForFunction(() => {
    const v = document.querySelector<HTMLVideoElement>('section.player video');
    return v !== null && v.readyState >= HTMLMediaElement.HAVE_FUTURE_DATA && Number.isFinite(v.duration);
  });
  return video.evaluate((v: HTMLVideoElement) => ({
    duration: v.duration,
    loop: v.loop,
    controls: v.controls,
    width: v.videoWidth,
    height: v.videoHeight,
    src: v.currentSrc,
    canPlayH264: v.canPlayType('video/mp4; codecs="avc1.42E01E"'),
  }));
}

describe('web console', () => {
  it('serves the console at / and explains a wrong key, an unknown endpoint and a malformed one', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'signin-desktop');
    const alert = page.locator('.signin .form-summary');

    await signIn(server.endpointPath, 'vf_this_is_not_the_right_key');
    await alert.getByText('Wrong access key').waitFor();

    await signIn('NoSuchEndpoint', server.key);
    await alert.getByText('Unknown endpoint, or this key has no access to it').waitFor();

    const before = apiRequests.length;
    await signIn('has spaces', server.key);
    const error = page.locator('#signin-endpoint-error');
    await error.getByText('4 to 64 characters').waitFor();
    expect(await page.getByLabel('Endpoint', { exact: true }).getAttribute('aria-invalid')).not.toBeNull();
    expect(await page.getByLabel('Endpoint', { exact: true }).getAttribute('aria-describedby')).toContain(
      'signin-endpoint-error',
    );
    expect(apiRequests.length).toBe(before);
    await page.setViewportSize(PHONE);
    await screenshot(page, 'signin-error-phone');
    await page.setViewportSize(DESKTOP);
  });

  it('signs in, keeping the key in memory only', async () => {
    await signIn(server.endpointPath, server.key);
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    await page.getByText('No tasks yet').waitFor();
  });

  it('explains invalid input next to each field with the server’s own words, sending nothing', async () => {
    const form = panel('generate');
    const before = apiRequests.length;
    await form.getByLabel('Source image URL').fill('ftp://example.com/frame.png');
    // Leaving the field shows its message, before any submit.
    await form.getByLabel('Source image URL').blur();
    await form.getByText('must use http or https').waitFor();
    await form.getByLabel('Random').uncheck();
    await form.getByLabel('Seed value').fill('4294967296');
    await form.getByRole('button', { name: 'Generate' }).click();

    const body = { prompt: '', config: { sourceImage: 'ftp://example.com/frame.png' }, settings: { seed: 4294967296 } };
    const reply = await server.call('POST', '/video/generate', body);
    expect(reply.status).toBe(400);
    const expected = new Map<string, string>(reply.body.error.details.map((d: any) => [d.path, d.message]));
    expect([...expected.keys()].sort()).toEqual(['config.sourceImage', 'prompt', 'settings.seed']);

    const checks: [RegExp, string][] = [
      [/^Prompt$/, 'prompt'],
      [/^Source image URL/, 'config.sourceImage'],
      [/^Seed value$/, 'settings.seed'],
    ];
    for (const [label, path] of checks) {
      const control = form.getByLabel(label);
      expect(await control.getAttribute('aria-invalid'), path).toBe('true');
      const describedBy = (await control.getAttribute('aria-describedby'))!.split(' ');
      const messages = await Promise.all(describedBy.map((id) => page.locator(`#${id}`).textContent()));
      expect(messages, path).toContain(expected.get(path));
    }
    expect(await form.locator('.form-summary').textContent()).toContain('these 3 fields');
    // The first invalid field has the focus.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('prompt');
    const posts = () => apiRequests.slice(before).filter((r) => r.method() !== 'GET');
    expect(posts()).toEqual([]);
    await screenshot(page, 'validation-desktop');

    // Fixing a field clears its message as you type.
    await form.getByLabel('Prompt', { exact: true }).fill('A kite');
    await form.locator('.field-error', { hasText: expected.get('prompt')! }).waitFor({ state: 'hidden' });
    await form.getByRole('button', { name: 'Reset to defaults' }).click();
    expect(await form.getByLabel('Random').isChecked()).toBe(true);
    expect(await form.locator('[aria-invalid="true"]').count()).toBe(0);

    // Turning Random off offers a concrete seed; an emptied one is explained on leaving the field.
    await form.getByLabel('Random').uncheck();
    expect(await form.getByLabel('Seed value').inputValue()).toMatch(/^\d+$/);
    await form.getByLabel('Seed value').fill('');
    await form.getByLabel('Seed value').blur();
    await form.getByText('enter a seed from 0 to 4294967295, or choose Random').waitFor();
    await form.getByRole('button', { name: 'Reset to defaults' }).click();
    expect(posts()).toEqual([]);
  });

  it('previews a source image before anything is submitted', async () => {
    await page.route('https://images.example.test/**', (route) =>
      route.fulfill({ status: 200, contentType: 'image/png', body: PNG }),
    );
    const form = panel('generate');
    await form.getByLabel('Source image URL').fill('https://images.example.test/frame.png');
    await form.getByLabel('Source image URL').blur();
    await form.getByText('Image 16×9').waitFor();
    expect(await form.getByRole('img', { name: 'Preview of the source image' }).isVisible()).toBe(true);
    await form.getByRole('button', { name: 'Reset to defaults' }).click();
    await page.unroute('https://images.example.test/**');
  });

  it('shows live progress and elapsed time without reloading, then the finished task', async () => {
    const taskId = await generate('test: steps=40 stepMs=100');
    const seen: number[] = [];
    const elapsed = new Set<string>();
    const bar = card(taskId).getByRole('progressbar');
    for (let i = 0; i < 200; i++) {
      seen.push(Number(await bar.getAttribute('aria-valuenow')));
      elapsed.add((await card(taskId).locator('.elapsed').textContent()) ?? '');
      if ((await card(taskId).getAttribute('data-status')) === 'SUCCESS') break;
      await page.waitForTimeout(100);
    }
    expect(await card(taskId).getAttribute('data-status')).toBe('SUCCESS');
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    const during = [...new Set(seen.filter((v) => v > 0 && v < 100))];
    expect(during.length, `progress seen: ${seen.join(',')}`).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(elapsed.size).toBeGreaterThanOrEqual(2);
    expect(await card(taskId).locator('.status-badge').textContent()).toBe('Finished');
    expect(await card(taskId).locator('.elapsed').textContent()).toMatch(/^took 0:0\d$/);

    // The parameters the task was made with, defaults and the seed used included.
    await card(taskId).getByText('Parameters').click();
    const params = await card(taskId)
      .locator('.params')
      .evaluate((dl) =>
        [...dl.querySelectorAll('dt')].map((dt) => `${dt.textContent}: ${dt.nextElementSibling?.textContent}`),
      );
    expect(params).toEqual(
      expect.arrayContaining(['Prompt: test: steps=40 stepMs=100', 'Duration: 2 s', 'Aspect ratio: 16:9']),
    );
    expect(params.find((p) => p.startsWith('Seed: '))).toMatch(/^Seed: \d+$/);
  });

  it('cancels a running task', async () => {
    const taskId = await generate('test: steps=400 stepMs=50');
    await waitForStatus(taskId, 'IN_PROGRESS');
    await card(taskId).getByRole('button', { name: 'Cancel' }).click();
    await waitForStatus(taskId, 'FAIL', 10_000);
    expect(await card(taskId).locator('.task-error').textContent()).toMatch(/^CANCELLED: /);
    expect(await card(taskId).getByRole('button', { name: 'Cancel' }).isHidden()).toBe(true);
  });

  it('shows the code and message of a failed task', async () => {
    const taskId = await generate('test: failAttempts=9 failCode=SOURCE_INVALID retryable=false');
    await waitForStatus(taskId, 'FAIL');
    expect(await card(taskId).locator('.task-error').textContent()).toBe(
      'SOURCE_INVALID: test engine failed attempt 1 on purpose',
    );
    expect(await card(taskId).locator('.status-badge').textContent()).toBe('Failed');
    // The live region told screen readers.
    await page.waitForFunction(() => /failed/.test(document.getElementById('announcer')?.textContent ?? ''));
  });

  it('moves between operations with the keyboard', async () => {
    await page.getByRole('tab', { name: 'Generate' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Upscale' }).getAttribute('aria-selected')).toBe('true');
    expect(await panel('upscale').isVisible()).toBe(true);
    await page.keyboard.press('End');
    expect(await panel('extend').isVisible()).toBe(true);
    await page.keyboard.press('Home');
    expect(await panel('generate').isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-generate');
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('remembers the key when asked, and generates a real video chosen by keyboard', async () => {
    await signIn(server.previewEndpointPath, server.key, true);
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();

    const form = panel('generate');
    await form.getByLabel('Prompt', { exact: true }).fill('A paper boat on a rainy street');
    // The aspect-ratio radio group: arrow keys move the choice (16:9 wraps round to 1:1).
    await form.getByRole('radio', { name: /16:9/ }).focus();
    await page.keyboard.press('ArrowLeft');
    expect(await form.getByRole('radio', { name: /1:1/ }).isChecked()).toBe(true);
    await form.getByRole('radio', { name: /^2 s/ }).check();
    // A fixed seed (the screenshots in docs/ show this video).
    await form.getByLabel('Random').uncheck();
    await form.getByLabel('Seed value').fill('2');
    const taskId = await submit('generate');
    await waitForStatus(taskId, 'SUCCESS', 60_000);
    expect(await card(taskId).locator('.task-video').textContent()).toBe('720×720 · 2 s · 24 fps');
    expect(await card(taskId).locator('.params').textContent()).toContain('Seed2');
  }, 90_000);

  it('plays the finished video, seekable and looping, with its size, duration, fps and a download', async () => {
    // A task submitted here opens in the player when it finishes.
    const video = await playerVideo();
    expect(video.canPlayH264).toBe('probably');
    expect(video.duration).toBeCloseTo(2, 1);
    expect(video.loop).toBe(true);
    expect(video.controls).toBe(true);
    expect([video.width, video.height]).toEqual([720, 720]);
    expect(await page.locator('section.player .video-meta').textContent()).toBe('720×720 · 2 s · 24 fps');
    const seeked = await page.locator('section.player video').evaluate(
      (v: HTMLVideoElement) =>
        new Promise<number>((resolve) => {
          v.addEventListener('seeked', () => resolve(v.currentTime), { once: true });
          v.currentTime = 1.5;
        }),
    );
    expect(seeked).toBeCloseTo(1.5, 1);

    const download = page.getByRole('link', { name: 'Download' });
    const href = (await download.getAttribute('href'))!;
    expect(href.startsWith(`${server.url}/v1/media/`)).toBe(true);
    expect(await download.getAttribute('download')).toMatch(/^vidforge-.+\.mp4$/);
    const file = await page.request.get(href);
    expect(file.status()).toBe(200);
    expect(file.headers()['content-type']).toBe('video/mp4');

    await screenshot(page, 'main-desktop');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'main-phone');
    await page.locator('section.player').evaluate((el) => el.scrollIntoView());
    await screenshot(page, 'player-phone', false);
    await page.setViewportSize(DESKTOP);
  });

  it('follows the system’s dark preference', async () => {
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await background();
    expect(dark).not.toBe(light);
    // Dark means a dark background: every channel below a quarter.
    expect(
      dark
        .match(/\d+/g)!
        .slice(0, 3)
        .every((c) => Number(c) < 64),
    ).toBe(true);
    await screenshot(page, 'main-desktop-dark', false);
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('refreshes an expired media URL transparently', async () => {
    const taskId = (await page.locator('li.task').first().getAttribute('data-task-id'))!;
    await page.getByRole('button', { name: 'Close the player' }).click();
    const served: { url: string; status: number }[] = [];
    await page.route('**/v1/media/**', async (route) => {
      // The first request is answered as an expired URL is (403); later ones go to the server.
      if (served.length === 0) {
        served.push({ url: route.request().url(), status: 403 });
        await route.fulfill({
          status: 403,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'MEDIA_URL_INVALID', message: 'This media URL has expired' } }),
        });
      } else {
        served.push({ url: route.request().url(), status: 200 });
        await route.continue();
      }
    });
    await card(taskId).getByRole('button', { name: 'Play', exact: true }).click();
    const video = await playerVideo();
    expect(video.duration).toBeCloseTo(2, 1);
    expect(served[0]!.status).toBe(403);
    expect(served.length).toBeGreaterThanOrEqual(2);
    expect(served.at(-1)!.url).not.toBe(served[0]!.url);
    expect(await page.locator('section.player .player-error').isHidden()).toBe(true);
    await page.unroute('**/v1/media/**');
  });

  it('upscales a result in one click, with a preview of the source video', async () => {
    await page.getByRole('button', { name: 'Upscale this' }).click();
    const form = panel('upscale');
    expect(await form.isVisible()).toBe(true);
    expect(await form.getByLabel('Source video URL').inputValue()).toMatch(/\/v1\/media\/.+\.mp4\?/);
    await form.getByText('Video 720×720, 2.0 s').waitFor();
    // The submit button has the focus: Enter submits.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Upscale');
    const taskId = await submit('upscale');
    await waitForStatus(taskId, 'SUCCESS', 60_000);
    expect(await card(taskId).locator('.task-video').textContent()).toBe('1440×1440 · 2 s · 24 fps');
    await card(taskId).getByRole('button', { name: 'Play', exact: true }).click();
    await page.locator('section.player .video-meta', { hasText: '1440×1440' }).waitFor();
    const video = await playerVideo();
    expect([video.width, video.height]).toEqual([1440, 1440]);
  }, 90_000);

  it('extends a result in one click, prefilled with its prompt', async () => {
    const source = page.locator('li.task', { hasText: 'A paper boat' }).last();
    await source.getByRole('button', { name: 'Play', exact: true }).click();
    await page.locator('section.player .video-meta', { hasText: '720×720' }).waitFor();
    await page.getByRole('button', { name: 'Extend this' }).click();
    const form = panel('extend');
    expect(await form.getByLabel(/^Prompt/).inputValue()).toBe('A paper boat on a rainy street');
    expect(await form.getByLabel('Source video URL').inputValue()).toMatch(/\/v1\/media\/.+\.mp4\?/);
    // The radios are drawn as chips: a click lands on the label, as a user's does.
    await form.locator('label.chip', { hasText: '2 s' }).click();
    expect(await form.getByRole('radio', { name: /^2 s/ }).isChecked()).toBe(true);
    const taskId = await submit('extend');
    await waitForStatus(taskId, 'SUCCESS', 60_000);
    expect(await card(taskId).locator('.task-video').textContent()).toBe('720×720 · 4 s · 24 fps');
    await screenshot(page, 'all-operations-desktop');
  }, 90_000);

  it('signs out and forgets the remembered key', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('caused no script errors and no Content-Security-Policy violations', () => {
    // Refused sign-ins and the simulated expired URL log "Failed to load resource"; nothing else may.
    expect(problems.errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  });
});
