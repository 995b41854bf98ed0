/**
 * The console's entry: the sign-in screen, then the console itself (compose forms, player, task
 * list). Everything goes through the SDK to this page's own origin; nothing is sent elsewhere.
 */
import type { Task, TaskType } from '@vidforge/sdk';
import { h, replaceChildren } from './dom.ts';
import { shortId } from './format.ts';
import { createCompose } from './forms.ts';
import { createPlayer } from './player.ts';
import { createResultFiles } from './results.ts';
import {
  type Credentials,
  checkCredentials,
  forget,
  loadRemembered,
  remember,
  type Session,
  signIn,
  signInErrorMessage,
} from './session.ts';
import { createTaskList } from './tasks.ts';

const app = document.getElementById('app')!;
const announcer = document.getElementById('announcer')!;
const origin = window.location.origin;

/** Polite announcements for screen readers (status changes, form fills). */
function announce(message: string): void {
  // A change of text is what gets read: clear first so a repeated message is read again.
  announcer.textContent = '';
  setTimeout(() => {
    announcer.textContent = message;
  }, 50);
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function signInScreen(options: { message?: string; error?: string; prefill?: Partial<Credentials> } = {}): void {
  const endpointInput = h('input', {
    id: 'signin-endpoint',
    name: 'username',
    autocomplete: 'username',
    spellcheck: 'false',
    autocapitalize: 'off',
    'aria-describedby': 'signin-endpoint-help',
    value: options.prefill?.endpointPath ?? '',
  });
  const keyInput = h('input', {
    id: 'signin-key',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    'aria-describedby': 'signin-key-help',
  });
  const rememberBox = h('input', { id: 'signin-remember', type: 'checkbox' });
  const endpointError = h('p', { class: 'field-error', id: 'signin-endpoint-error', hidden: true });
  const keyError = h('p', { class: 'field-error', id: 'signin-key-error', hidden: true });
  const formError = h('div', { class: 'form-summary', role: 'alert', hidden: !options.error }, options.error ?? '');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const setFieldError = (input: HTMLInputElement, slot: HTMLElement, help: string, message: string | undefined) => {
    slot.textContent = message ?? '';
    slot.hidden = message === undefined;
    input.toggleAttribute('aria-invalid', message !== undefined);
    input.setAttribute('aria-describedby', message === undefined ? help : `${help} ${slot.id}`);
  };
  const form = h(
    'form',
    { class: 'signin panel', novalidate: true, 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, 'Sign in'),
    options.message ? h('p', { class: 'notice', role: 'status' }, options.message) : null,
    formError,
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'signin-endpoint' }, 'Endpoint'),
      h(
        'p',
        { class: 'help', id: 'signin-endpoint-help' },
        'The endpoint path issued with your key, e.g. Q7mZp2LwX9aKd4Rt (the server prints it on first start).',
      ),
      endpointInput,
      endpointError,
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'signin-key' }, 'Access key'),
      h('p', { class: 'help', id: 'signin-key-help' }, `Sent only to this server's API at ${origin}/v1/ai.`),
      keyInput,
      keyError,
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { class: 'inline-check', for: 'signin-remember' }, rememberBox, ' Remember me on this device'),
      h(
        'p',
        { class: 'help' },
        'Keeps the endpoint and key in this browser until you sign out. Otherwise they are forgotten when you close or reload the page.',
      ),
    ),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const credentials = { endpointPath: endpointInput.value.trim(), accessKey: keyInput.value.trim() };
    const problems = checkCredentials(credentials);
    setFieldError(endpointInput, endpointError, 'signin-endpoint-help', problems.endpointPath);
    setFieldError(keyInput, keyError, 'signin-key-help', problems.accessKey);
    formError.hidden = true;
    if (problems.endpointPath || problems.accessKey) {
      (problems.endpointPath ? endpointInput : keyInput).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const session = await signIn(credentials, origin);
      const store = storage();
      if (store) {
        if (rememberBox.checked) remember(store, credentials);
        else forget(store);
      }
      consoleScreen(session);
    } catch (error) {
      formError.textContent = signInErrorMessage(error);
      formError.hidden = false;
      submit.disabled = false;
      submit.textContent = 'Sign in';
      (error instanceof Error && 'status' in error && error.status === 401 ? keyInput : endpointInput).focus();
    }
  });
  replaceChildren(app, h('main', { class: 'signin-layout', id: 'main' }, form));
  document.title = 'Sign in · Vidforge';
  (options.prefill?.endpointPath ? keyInput : endpointInput).focus();
}

function consoleScreen(session: Session): void {
  const controller = new AbortController();
  const deps = { client: () => session.client, signal: () => controller.signal, announce };
  const results = createResultFiles({ origin, accessKey: session.accessKey, signal: deps.signal });
  const mine = new Set<string>();

  const signOut = (message = 'You are signed out.') => {
    controller.abort();
    tasks.stop();
    player.close();
    results.reset();
    const store = storage();
    if (store) forget(store);
    signInScreen({ message, prefill: {} });
  };
  const accessLost = (message: string) => {
    controller.abort();
    tasks.stop();
    player.close();
    results.reset();
    signInScreen({ error: message, prefill: { endpointPath: session.endpointPath } });
  };

  const compose = createCompose({
    ...deps,
    onSubmitted(taskId: string, type: TaskType) {
      mine.add(taskId);
      announce(`The ${type} task ${shortId(taskId)} was submitted.`);
      void tasks.track(taskId);
    },
  });
  const player = createPlayer({
    ...deps,
    origin,
    onUpscale: (task: Task) => compose.prefill('upscale', { config: { sourceVideo: task.mediaUrl } }),
    onExtend: (task: Task) => {
      const request = task.request as { prompt?: string; negativePrompt?: string };
      compose.prefill('extend', {
        prompt: request.prompt,
        negativePrompt: request.negativePrompt,
        config: { sourceVideo: task.mediaUrl },
      });
    },
    onClose: (taskId: string) => {
      const card = tasks.root.querySelector<HTMLElement>(`li[data-task-id="${CSS.escape(taskId)}"]`);
      (card?.querySelector<HTMLElement>('.task-actions button') ?? tasks.root).focus();
    },
  });
  const tasks = createTaskList({
    ...deps,
    results,
    storage: storage(),
    onPlay: (task: Task) => void player.open(task),
    onReuse: (task: Task) => compose.prefill(task.type, task.request),
    onUpdate(task: Task, previous: Task | undefined) {
      // A task submitted here that just finished opens in the player, unless something is shown.
      if (task.status === 'SUCCESS' && previous?.status !== 'SUCCESS' && mine.has(task.taskId) && !player.current()) {
        void player.open(task);
      }
    },
    onAccessLost: accessLost,
  });
  tasks.root.tabIndex = -1;

  const signOutButton = h('button', { type: 'button', class: 'ghost' }, 'Sign out');
  signOutButton.addEventListener('click', () => signOut());
  replaceChildren(
    app,
    h(
      'header',
      { class: 'topbar' },
      h('h1', null, 'Vidforge'),
      h('p', { class: 'who' }, 'Endpoint ', h('code', null, session.endpointPath)),
      signOutButton,
    ),
    h('main', { class: 'layout', id: 'main' }, compose.root, h('div', { class: 'results' }, player.root, tasks.root)),
  );
  document.title = 'Vidforge console';
  tasks.start(session.firstPage);
}

async function boot(): Promise<void> {
  const store = storage();
  const remembered = store ? loadRemembered(store) : null;
  if (!remembered) {
    signInScreen();
    return;
  }
  replaceChildren(app, h('main', { class: 'signin-layout', id: 'main' }, h('p', { role: 'status' }, 'Signing in…')));
  try {
    consoleScreen(await signIn(remembered, origin));
  } catch (error) {
    signInScreen({ error: signInErrorMessage(error), prefill: { endpointPath: remembered.endpointPath } });
  }
}

void boot();
