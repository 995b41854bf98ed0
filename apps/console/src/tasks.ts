/**
 * The task list: newest first, paged with the list route's cursor, kept live by polling through
 * the SDK. While any task is queued or running the first page is read again every second (one
 * request covers every recent task), and running tasks further down are read one by one; when
 * nothing runs, every 10 s. Polling stops while the tab is hidden.
 *
 * Cards are created once and updated in place, never moved, so focus and open details survive.
 */
import {
  APIError,
  AuthenticationError,
  ConflictError,
  NotFoundError,
  type Task,
  type TaskStatus,
  type Vidforge,
} from '@vidforge/sdk';
import { h, replaceChildren } from './dom.ts';
import {
  clockTime,
  describeQueue,
  describeRequest,
  describeSource,
  describeVideo,
  elapsedMs,
  formatDuration,
  isActive,
  percent,
  STATUS_LABELS,
  shortId,
} from './format.ts';
import { posterImage, type ResultFiles } from './results.ts';
import { PAGE_SIZE } from './session.ts';

export const ACTIVE_POLL_MS = 1_000;
export const IDLE_POLL_MS = 10_000;
/** Running tasks beyond the first page refreshed per tick, at most. */
const MAX_SINGLE_REFRESHES = 10;

export interface TaskListDeps {
  client(): Vidforge;
  signal(): AbortSignal;
  announce(message: string): void;
  results: ResultFiles;
  /** Where the List/Gallery choice is kept, if anywhere. */
  storage: Storage | null;
  onPlay(task: Task): void;
  onReuse(task: Task): void;
  /** Every fresh read of a task (the player keeps its task current). */
  onUpdate(task: Task, previous: Task | undefined): void;
  /** The key stopped working (revoked, or the endpoint was removed). */
  onAccessLost(message: string): void;
}

export interface TaskListView {
  root: HTMLElement;
  start(firstPage: { tasks: Task[]; nextCursor: string | null }): void;
  stop(): void;
  /** Shows a task just submitted, and polls quickly until it finishes. */
  track(taskId: string): Promise<void>;
}

interface Card {
  li: HTMLLIElement;
  status: HTMLElement;
  bar: HTMLElement;
  fill: HTMLElement;
  percentText: HTMLElement;
  elapsed: HTMLElement;
  error: HTMLElement;
  queue: HTMLElement;
  warning: HTMLElement;
  video: HTMLElement;
  params: HTMLElement;
  play: HTMLButtonElement;
  cancel: HTMLButtonElement;
  remove: HTMLButtonElement;
  poster: HTMLImageElement;
  posterButton: HTMLButtonElement;
  gone: HTMLElement;
}

export type TaskView = 'gallery' | 'list';
export const VIEW_STORAGE_KEY = 'vidforge.console.view';

const SOURCE_VERB: Record<Task['type'], string> = { generate: 'From', upscale: 'Upscale of', extend: 'Extension of' };

export function createTaskList(deps: TaskListDeps): TaskListView {
  const tasks = new Map<string, Task>();
  const cards = new Map<string, Card>();
  let view: TaskView = deps.storage?.getItem(VIEW_STORAGE_KEY) === 'list' ? 'list' : 'gallery';
  const list = h('ol', { class: `task-list ${view}`, 'aria-label': 'Tasks, newest first' });
  const viewButtons = (['gallery', 'list'] as const).map((name) =>
    h(
      'button',
      { type: 'button', class: 'ghost', 'aria-pressed': String(view === name), 'data-view': name },
      name === 'gallery' ? 'Gallery' : 'List',
    ),
  );
  for (const button of viewButtons) {
    button.addEventListener('click', () => {
      view = button.dataset.view as TaskView;
      list.className = `task-list ${view}`;
      for (const b of viewButtons) b.setAttribute('aria-pressed', String(b === button));
      deps.storage?.setItem(VIEW_STORAGE_KEY, view);
    });
  }
  const empty = h('p', { class: 'empty' }, 'No tasks yet: submit one with the form.');
  const feedStatus = h('p', { class: 'feed-status', role: 'status' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load older tasks');
  const filter = h(
    'select',
    { id: 'task-filter' },
    h('option', { value: '' }, 'All'),
    ...(['PENDING', 'IN_PROGRESS', 'SUCCESS', 'FAIL'] as TaskStatus[]).map((s) =>
      h('option', { value: s }, STATUS_LABELS[s]),
    ),
  );
  const root = h(
    'section',
    { class: 'tasks panel', 'aria-labelledby': 'tasks-title' },
    h(
      'div',
      { class: 'panel-head' },
      h('h2', { id: 'tasks-title' }, 'Tasks'),
      h('div', { class: 'view-switch', role: 'group', 'aria-label': 'Show tasks as' }, ...viewButtons),
      h('div', { class: 'filter' }, h('label', { for: 'task-filter' }, 'Show'), filter),
    ),
    feedStatus,
    empty,
    list,
    more,
  );

  let cursor: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = true;
  let ticking = false;

  const statusFilter = () => (filter.value === '' ? undefined : (filter.value as TaskStatus));

  const createCard = (task: Task): Card => {
    const status = h('span', { class: 'status-badge' });
    const fill = h('div', { class: 'fill' });
    const bar = h(
      'div',
      {
        class: 'progressbar',
        role: 'progressbar',
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-label': `Progress of ${task.type} task ${shortId(task.taskId)}`,
      },
      fill,
    );
    const play = h('button', { type: 'button', class: 'primary' }, 'Play');
    const cancel = h('button', { type: 'button', class: 'danger' }, 'Cancel');
    const reuse = h('button', { type: 'button', class: 'secondary' }, 'Use these settings');
    const remove = h('button', { type: 'button', class: 'ghost danger-text' }, 'Delete video');
    const poster = posterImage();
    const posterButton = h(
      'button',
      {
        type: 'button',
        class: 'poster-button',
        'aria-label': `Play the ${task.type} task ${shortId(task.taskId)}`,
        hidden: true,
      },
      poster,
    );
    play.addEventListener('click', () => deps.onPlay(tasks.get(task.taskId)!));
    posterButton.addEventListener('click', () => deps.onPlay(tasks.get(task.taskId)!));
    reuse.addEventListener('click', () => deps.onReuse(tasks.get(task.taskId)!));
    cancel.addEventListener('click', () => cancelTask(task.taskId, cancel));
    remove.addEventListener('click', () => deleteResult(task.taskId, remove));
    const card: Card = {
      li: h('li', { class: 'task', 'data-task-id': task.taskId }),
      status,
      bar,
      fill,
      percentText: h('span', { class: 'percent', 'aria-hidden': 'true' }),
      elapsed: h('span', { class: 'elapsed' }),
      error: h('p', { class: 'task-error', hidden: true }),
      queue: h('p', { class: 'task-queue', hidden: true }),
      warning: h('p', { class: 'task-warning', hidden: true }),
      video: h('p', { class: 'task-video', hidden: true }),
      params: h('dl', { class: 'params' }),
      play,
      cancel,
      remove,
      poster,
      posterButton,
      gone: h('p', { class: 'task-gone', hidden: true }, 'The video was deleted or is past its retention period.'),
    };
    const prompt = (task.request as { prompt?: string }).prompt;
    append(
      card.li,
      posterButton,
      h(
        'div',
        { class: 'task-head' },
        h('span', { class: `type-badge type-${task.type}` }, task.type),
        status,
        h('span', { class: 'task-id', title: task.taskId }, shortId(task.taskId)),
        h('time', { class: 'created', datetime: new Date(task.createdAt).toISOString() }, clockTime(task.createdAt)),
      ),
      prompt ? h('p', { class: 'task-summary' }, prompt) : null,
      sourceLine(task),
      h('div', { class: 'progress-row' }, bar, card.percentText, card.elapsed),
      card.queue,
      card.warning,
      card.error,
      card.video,
      card.gone,
      h('details', { class: 'task-params' }, h('summary', null, 'Parameters'), card.params),
      h('div', { class: 'task-actions' }, play, cancel, reuse, remove),
    );
    return card;
  };

  /** "Upscale of task nV1x3Qab" (a link to that task), "From an uploaded image", "From host/…/file". */
  const sourceLine = (task: Task): HTMLElement | null => {
    const source = describeSource(task);
    if (source.kind === 'none') return null;
    const kind = task.type === 'generate' ? 'image' : 'video';
    let what: Node | string;
    if (source.kind === 'task') {
      const link = h('button', { type: 'button', class: 'link' }, `task ${shortId(source.taskId)}`);
      link.addEventListener('click', () => void showTask(source.taskId));
      what = link;
    } else what = source.kind === 'upload' ? `an uploaded ${kind}` : source.label;
    return h('p', { class: 'task-source' }, `${SOURCE_VERB[task.type]} `, what);
  };

  /** Brings a task's card into view and focuses it, reading the task first if it is not listed. */
  const showTask = async (taskId: string) => {
    try {
      if (!cards.has(taskId)) merge(await deps.client().getTask(taskId, { signal: deps.signal() }), false);
      const card = cards.get(taskId)!;
      card.li.tabIndex = -1;
      card.li.scrollIntoView({ block: 'nearest' });
      card.li.focus();
    } catch (error) {
      if (!deps.signal().aborted) deps.announce(`Could not show task ${shortId(taskId)}: ${(error as Error).message}`);
    }
  };

  const render = (task: Task, card: Card, now: number) => {
    card.li.dataset.status = task.status;
    card.status.textContent = STATUS_LABELS[task.status];
    const value = percent(task.progress);
    card.bar.setAttribute('aria-valuenow', String(value));
    card.bar.setAttribute('aria-valuetext', `${value}% ${STATUS_LABELS[task.status].toLowerCase()}`);
    card.fill.style.width = `${value}%`;
    card.percentText.textContent = `${value}%`;
    card.elapsed.textContent = `${isActive(task) ? 'elapsed' : 'took'} ${formatDuration(elapsedMs(task, now))}`;
    const { place, warning } = describeQueue(task);
    card.queue.hidden = place === null;
    card.queue.textContent = place;
    card.warning.hidden = warning === null;
    card.warning.textContent = warning;
    card.error.hidden = task.error === null;
    if (task.error) replaceChildren(card.error, h('strong', null, task.error.code), ': ', task.error.message);
    card.video.hidden = task.video === null;
    if (task.video) card.video.textContent = describeVideo(task.video);
    const playable = task.status === 'SUCCESS' && task.mediaUrl !== null;
    card.play.hidden = !playable;
    card.remove.hidden = !playable;
    card.gone.hidden = task.status !== 'SUCCESS' || playable;
    // The poster is asked for once per card, when the task has a result; gone with the result.
    if (playable && !card.poster.dataset.requested) {
      card.poster.dataset.requested = 'yes';
      card.poster.addEventListener('load', () => (card.posterButton.hidden = false), { once: true });
      deps.results.showPoster(task.taskId, card.poster);
    } else if (!playable && card.poster.dataset.requested) {
      delete card.poster.dataset.requested;
      card.poster.removeAttribute('src');
      card.poster.hidden = true;
      card.posterButton.hidden = true;
    }
    card.cancel.hidden = !isActive(task);
    const rows = describeRequest(task.request);
    if (card.params.childElementCount === 0) {
      for (const row of rows) card.params.append(h('dt', null, row.label), h('dd', null, row.value));
      card.params.append(h('dt', null, 'Task id'), h('dd', null, task.taskId));
    }
  };

  /** Inserts a new card before the first card of an older task, keeping newest-first order. */
  const insert = (task: Task, card: Card) => {
    const isOlder = (other: Task) =>
      other.createdAt < task.createdAt || (other.createdAt === task.createdAt && other.taskId < task.taskId);
    const before = [...list.children].find((li) => {
      const other = tasks.get((li as HTMLElement).dataset.taskId ?? '');
      return other !== undefined && isOlder(other);
    });
    list.insertBefore(card.li, before ?? null);
  };

  const merge = (task: Task, announceChanges: boolean) => {
    const previous = tasks.get(task.taskId);
    // A slower reply must not undo a newer one.
    if (previous && previous.updatedAt > task.updatedAt) return;
    tasks.set(task.taskId, task);
    let card = cards.get(task.taskId);
    if (!card) {
      card = createCard(task);
      cards.set(task.taskId, card);
      insert(task, card);
    }
    render(task, card, Date.now());
    empty.hidden = true;
    if (announceChanges && previous && previous.status !== task.status) {
      const name = `${task.type} task ${shortId(task.taskId)}`;
      if (task.status === 'SUCCESS') deps.announce(`The ${name} finished.`);
      else if (task.status === 'FAIL') deps.announce(`The ${name} failed: ${task.error?.message ?? ''}`);
      else if (task.status === 'IN_PROGRESS') deps.announce(`The ${name} started.`);
    }
    deps.onUpdate(task, previous);
  };

  const cancelTask = async (taskId: string, button: HTMLButtonElement) => {
    button.disabled = true;
    try {
      merge(await deps.client().cancelTask(taskId, { signal: deps.signal() }), true);
    } catch (error) {
      if (deps.signal().aborted) return;
      if (error instanceof ConflictError) {
        merge(await deps.client().getTask(taskId, { signal: deps.signal() }), true);
      } else {
        deps.announce(`Could not cancel: ${error instanceof Error ? error.message : String(error)}`);
      }
    } finally {
      button.disabled = false;
    }
  };

  const deleteResult = async (taskId: string, button: HTMLButtonElement) => {
    if (!window.confirm(`Delete the video of task ${shortId(taskId)}? The task stays in the list.`)) return;
    button.disabled = true;
    try {
      await deps.results.deleteResult(taskId);
      merge(await deps.client().getTask(taskId, { signal: deps.signal() }), false);
      deps.announce(`The video of task ${shortId(taskId)} was deleted.`);
    } catch (error) {
      if (!deps.signal().aborted) deps.announce(`Could not delete the video: ${(error as Error).message}`);
    } finally {
      button.disabled = false;
    }
  };

  const handleFeedError = (error: unknown) => {
    if (deps.signal().aborted) return;
    if (
      error instanceof AuthenticationError ||
      (error instanceof NotFoundError && error.code === 'ENDPOINT_NOT_FOUND')
    ) {
      deps.onAccessLost(
        error instanceof AuthenticationError
          ? 'Your access key is no longer accepted. Sign in again.'
          : 'This endpoint is no longer available to your key. Sign in again.',
      );
      return;
    }
    const reason = error instanceof APIError ? error.message : String(error);
    feedStatus.textContent = `Cannot update the task list (${reason}); retrying.`;
  };

  const schedule = () => {
    clearTimeout(timer);
    if (stopped || document.hidden) return;
    const active = [...tasks.values()].some(isActive);
    timer = setTimeout(tick, active ? ACTIVE_POLL_MS : IDLE_POLL_MS);
  };

  async function tick(): Promise<void> {
    if (stopped || ticking) return;
    ticking = true;
    const options = { signal: deps.signal(), maxRetries: 0 };
    try {
      const page = await deps.client().listTasksPage({ limit: PAGE_SIZE, status: statusFilter() }, options);
      for (const task of page.tasks) merge(task, true);
      if (tasks.size === page.tasks.length) setCursor(page.nextCursor);
      const onPage = new Set(page.tasks.map((t) => t.taskId));
      const others = [...tasks.values()].filter((t) => isActive(t) && !onPage.has(t.taskId));
      await Promise.all(
        others
          .slice(0, MAX_SINGLE_REFRESHES)
          .map(async (t) => merge(await deps.client().getTask(t.taskId, options), true)),
      );
      const now = Date.now();
      for (const [id, task] of tasks) if (isActive(task)) render(task, cards.get(id)!, now);
      feedStatus.textContent = '';
    } catch (error) {
      handleFeedError(error);
    } finally {
      ticking = false;
      schedule();
    }
  }

  const setCursor = (next: string | null) => {
    cursor = next;
    more.hidden = cursor === null;
  };

  const reset = (page: { tasks: Task[]; nextCursor: string | null }) => {
    deps.results.reset();
    tasks.clear();
    cards.clear();
    replaceChildren(list);
    empty.hidden = page.tasks.length > 0;
    empty.textContent = statusFilter() ? 'No tasks with this status.' : 'No tasks yet: submit one with the form.';
    for (const task of page.tasks) merge(task, false);
    setCursor(page.nextCursor);
  };

  more.addEventListener('click', async () => {
    if (cursor === null) return;
    more.disabled = true;
    try {
      const page = await deps
        .client()
        .listTasksPage({ limit: PAGE_SIZE, status: statusFilter(), cursor }, { signal: deps.signal() });
      for (const task of page.tasks) merge(task, false);
      setCursor(page.nextCursor);
    } catch (error) {
      handleFeedError(error);
    } finally {
      more.disabled = false;
    }
  });

  filter.addEventListener('change', async () => {
    try {
      reset(await deps.client().listTasksPage({ limit: PAGE_SIZE, status: statusFilter() }, { signal: deps.signal() }));
      schedule();
    } catch (error) {
      handleFeedError(error);
    }
  });

  const onVisibility = () => {
    if (document.hidden) clearTimeout(timer);
    else void tick();
  };

  return {
    root,
    start(firstPage) {
      stopped = false;
      reset(firstPage);
      document.addEventListener('visibilitychange', onVisibility);
      schedule();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    },
    async track(taskId) {
      try {
        merge(await deps.client().getTask(taskId, { signal: deps.signal() }), true);
        // The new task in view, whatever the form's height pushed the list down to.
        cards.get(taskId)?.li.scrollIntoView({ block: 'nearest' });
      } catch (error) {
        handleFeedError(error);
      }
      schedule();
    },
  };
}

function append(parent: HTMLElement, ...children: (Node | null)[]): void {
  for (const child of children) if (child) parent.appendChild(child);
}
