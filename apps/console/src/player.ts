/**
 * The player for a finished task: a seekable, looping video, its size, duration and frame rate, a
 * download link, and "upscale this" / "extend this". Media URLs are signed and expire: a URL near
 * its expiry is replaced before use, and when the video fails to load (an expired URL answers 403)
 * the task is read again for a fresh URL and playback resumes where it was, once per failure.
 */
import type { Task, Vidforge } from '@vidforge/sdk';
import { h, replaceChildren } from './dom.ts';
import { describeVideo, onPageOrigin, shortId } from './format.ts';

/** A URL this close to its expiry is refreshed before it is handed to the video or a download. */
export const EXPIRY_MARGIN_MS = 30_000;

export interface PlayerDeps {
  /** The page's origin, which this server's media URLs are moved onto (format.ts onPageOrigin). */
  origin: string;
  client(): Vidforge;
  signal(): AbortSignal;
  announce(message: string): void;
  onUpscale(task: Task): void;
  onExtend(task: Task): void;
  /** The player was closed by the user: focus goes back to where they came from. */
  onClose(taskId: string): void;
}

export interface Player {
  root: HTMLElement;
  /** The task shown, if any. */
  current(): Task | undefined;
  open(task: Task): Promise<void>;
  close(): void;
}

export function isStale(task: Task, now: number): boolean {
  return task.mediaUrl === null || (task.expireTime !== null && task.expireTime - EXPIRY_MARGIN_MS <= now);
}

export function createPlayer(deps: PlayerDeps): Player {
  const video = h('video', { controls: true, loop: true, playsinline: true, preload: 'auto' });
  const title = h('h2', { id: 'player-title' }, 'Result');
  const meta = h('p', { class: 'video-meta' });
  const problem = h('p', { class: 'player-error', role: 'alert', hidden: true });
  const download = h('a', { class: 'button secondary', href: '#' }, 'Download');
  const upscale = h('button', { type: 'button', class: 'secondary' }, 'Upscale this');
  const extend = h('button', { type: 'button', class: 'secondary' }, 'Extend this');
  const close = h('button', { type: 'button', class: 'ghost', 'aria-label': 'Close the player' }, 'Close');
  const root = h(
    'section',
    { class: 'player panel', 'aria-labelledby': 'player-title', hidden: true },
    h('div', { class: 'panel-head' }, title, close),
    h('div', { class: 'video-frame' }, video),
    meta,
    problem,
    h('div', { class: 'actions' }, download, upscale, extend),
  );

  let task: Task | undefined;
  /** Set after a refresh caused by a failure; cleared once the video plays again. */
  let recovering = false;

  const showProblem = (message: string | null) => {
    problem.textContent = message ?? '';
    problem.hidden = message === null;
  };

  /** The task with a URL good for at least EXPIRY_MARGIN_MS, read again if needed. */
  const fresh = async (t: Task, force = false): Promise<Task> => {
    if (!force && !isStale(t, Date.now())) return t;
    const next = await deps.client().getTask(t.taskId, { signal: deps.signal() });
    if (task?.taskId === next.taskId) {
      task = next;
      setLinks(next);
    }
    return next;
  };

  const setLinks = (t: Task) => {
    const href = t.mediaUrl === null ? '#' : onPageOrigin(t.mediaUrl, deps.origin);
    download.href = href;
    download.setAttribute('download', `vidforge-${t.taskId}.mp4`);
    // A URL on another origin (object storage) cannot be saved by the `download` attribute: it
    // opens in a new tab, and this page, with the key in its memory, stays.
    const elsewhere = href !== '#' && new URL(href).origin !== deps.origin;
    if (elsewhere) download.setAttribute('target', '_blank');
    else download.removeAttribute('target');
    download.rel = 'noopener';
  };

  const load = (t: Task, resumeAt = 0, resumePlaying = false) => {
    if (t.mediaUrl === null) {
      showProblem('This result is no longer available: it is past its retention period.');
      video.removeAttribute('src');
      return;
    }
    video.src = onPageOrigin(t.mediaUrl, deps.origin);
    if (resumeAt > 0 || resumePlaying) {
      video.addEventListener(
        'loadedmetadata',
        () => {
          video.currentTime = resumeAt;
          if (resumePlaying) void video.play().catch(() => {});
        },
        { once: true },
      );
    }
  };

  video.addEventListener('playing', () => {
    recovering = false;
  });
  video.addEventListener('canplay', () => {
    recovering = false;
    showProblem(null);
  });
  video.addEventListener('error', async () => {
    const current = task;
    if (!current) return;
    if (recovering) {
      showProblem(`The video could not be played (${video.error?.message || `media error ${video.error?.code}`}).`);
      return;
    }
    recovering = true;
    const at = video.currentTime;
    const wasPlaying = !video.paused;
    try {
      const next = await fresh(current, true);
      if (task?.taskId === next.taskId) load(next, at, wasPlaying);
    } catch (error) {
      if (!deps.signal().aborted) showProblem(`Could not refresh the video's URL: ${(error as Error).message}`);
    }
  });

  download.addEventListener('click', async (event) => {
    if (!task || !isStale(task, Date.now())) return;
    event.preventDefault();
    const next = await fresh(task);
    if (next.mediaUrl) download.click();
  });
  const withFresh = (then: (t: Task) => void) => async () => {
    if (!task) return;
    try {
      then(await fresh(task));
    } catch (error) {
      if (!deps.signal().aborted) showProblem(`Could not read the task: ${(error as Error).message}`);
    }
  };
  upscale.addEventListener('click', withFresh(deps.onUpscale));
  extend.addEventListener('click', withFresh(deps.onExtend));
  close.addEventListener('click', () => {
    const closed = task?.taskId;
    player.close();
    if (closed) deps.onClose(closed);
  });

  const player: Player = {
    root,
    current: () => task,
    async open(t) {
      root.hidden = false;
      showProblem(null);
      recovering = false;
      task = t;
      replaceChildren(title, 'Result ', h('span', { class: 'task-id' }, shortId(t.taskId)));
      meta.textContent = t.video ? describeVideo(t.video) : '';
      video.setAttribute('aria-label', `Video of ${t.type} task ${shortId(t.taskId)}`);
      try {
        const ready = await fresh(t);
        if (task?.taskId !== ready.taskId) return;
        setLinks(ready);
        load(ready);
        video.focus();
        deps.announce(`Playing the result of task ${shortId(t.taskId)}.`);
      } catch (error) {
        if (!deps.signal().aborted) showProblem(`Could not read the task: ${(error as Error).message}`);
      }
    },
    close() {
      task = undefined;
      video.pause();
      video.removeAttribute('src');
      video.load();
      root.hidden = true;
    },
  };
  return player;
}
