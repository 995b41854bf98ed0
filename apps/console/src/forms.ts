/**
 * The three operations, one form each, behind a tab list. Every parameter of the contract is
 * there with its default shown; the body is checked with the contract's schema before it is sent,
 * and the server's own 400 details land on the same fields.
 */
import {
  ASPECT_RATIOS,
  DEFAULTS,
  DURATIONS,
  type ErrorDetail,
  EXTEND_DURATIONS,
  OUTPUT_SIZES,
  PROMPT_MAX,
} from '@vidforge/contract';
import { InvalidRequestError, type TaskType, type Vidforge } from '@vidforge/sdk';
import { h, replaceChildren } from './dom.ts';
import { choiceField, type Field, rangeField, seedField, textField } from './fields.ts';
import { shortId } from './format.ts';
import { afterPointerRelease } from './pointer.ts';
import { urlField } from './source-field.ts';
import type { Uploader } from './upload-control.ts';
import { bodyFromPaths, placeDetails, validateRequest, valueAt } from './validate.ts';

export interface ComposeDeps {
  client(): Vidforge;
  signal(): AbortSignal;
  onSubmitted(taskId: string, type: TaskType): void;
  announce(message: string): void;
}

export interface Compose {
  root: HTMLElement;
  select(type: TaskType, focusTab?: boolean): void;
  /** Resets the form of `type`, fills it from `body`, shows it and focuses its submit button. */
  prefill(type: TaskType, body: unknown): void;
}

const TITLES: Record<TaskType, string> = { generate: 'Generate', upscale: 'Upscale', extend: 'Extend' };
const TYPES: readonly TaskType[] = ['generate', 'upscale', 'extend'];

function fieldsOf(type: TaskType, upload: Uploader): Field[] {
  const prompt = (required: boolean, help: string) =>
    textField({ label: 'Prompt', path: 'prompt', multiline: true, required, maxChars: PROMPT_MAX, help });
  const negative = () =>
    textField({
      label: 'Negative prompt',
      path: 'negativePrompt',
      multiline: true,
      maxChars: PROMPT_MAX,
      help: 'What the video should avoid.',
    });
  if (type === 'generate') {
    return [
      prompt(true, `What the video shows, up to ${PROMPT_MAX} characters.`),
      negative(),
      urlField({
        label: 'Source image URL',
        path: 'config.sourceImage',
        kind: 'image',
        help: 'The first frame: a JPEG, PNG or WebP file, or its public http(s) URL.',
        upload,
      }),
      choiceField({
        legend: 'Duration',
        path: 'settings.duration',
        choices: DURATIONS.map((d) => ({ value: d, label: `${d} s` })),
        defaultValue: DEFAULTS.duration,
      }),
      choiceField({
        legend: 'Aspect ratio',
        path: 'settings.aspectRatio',
        choices: ASPECT_RATIOS.map((r) => ({
          value: r,
          label: r,
          detail: `${OUTPUT_SIZES[r].width}×${OUTPUT_SIZES[r].height}`,
        })),
        defaultValue: DEFAULTS.aspectRatio,
        shapes: true,
      }),
      seedField('settings.seed'),
    ];
  }
  const source = urlField({
    label: 'Source video URL',
    path: 'config.sourceVideo',
    kind: 'video',
    required: true,
    upload,
    help:
      type === 'upscale'
        ? 'An MP4, MOV, WebM or MKV file, or its public http(s) URL; the result has twice its width and height.'
        : 'The video to continue: a file, or its public http(s) URL.',
  });
  if (type === 'upscale') return [source];
  return [
    source,
    prompt(false, 'What happens next.'),
    negative(),
    choiceField({
      legend: 'Extend by',
      path: 'config.extendDuration',
      choices: EXTEND_DURATIONS.map((d) => ({ value: d, label: `${d} s` })),
      defaultValue: DEFAULTS.extendDuration,
    }),
    seedField('settings.seed'),
    rangeField({
      label: 'Guidance scale',
      path: 'settings.guidanceScale',
      min: 1,
      max: 20,
      step: 0.1,
      defaultValue: DEFAULTS.guidanceScale,
      help: `How closely to follow the prompt; default ${DEFAULTS.guidanceScale}.`,
    }),
  ];
}

interface OperationForm {
  type: TaskType;
  tab: HTMLButtonElement;
  form: HTMLFormElement;
  submit: HTMLButtonElement;
  fields: Field[];
  reset(): void;
}

function operationForm(type: TaskType, deps: ComposeDeps): OperationForm {
  // The session's signal: signing out abandons an upload in flight with the rest.
  const fields = fieldsOf(type, (file) => deps.client().uploadFile(file, { signal: deps.signal() }));
  const paths = fields.map((f) => f.path);
  const summary = h('div', { class: 'form-summary', role: 'alert', hidden: true });
  const status = h('p', { class: 'form-status', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'primary' }, TITLES[type]);
  const resetButton = h('button', { type: 'button', class: 'secondary' }, 'Reset to defaults');
  const tab = h(
    'button',
    {
      type: 'button',
      role: 'tab',
      id: `tab-${type}`,
      'aria-controls': `panel-${type}`,
      'aria-selected': 'false',
      tabindex: -1,
    },
    TITLES[type],
  );
  const form = h(
    'form',
    {
      id: `panel-${type}`,
      role: 'tabpanel',
      'aria-labelledby': `tab-${type}`,
      class: 'operation',
      novalidate: true,
      hidden: true,
    },
    summary,
    ...fields.map((f) => f.root),
    // Sticks to the bottom of the screen while the form is longer than it, so the submit button
    // and what it said stay in view (the generate form is taller than a 900 px laptop screen).
    h('div', { class: 'form-footer' }, h('div', { class: 'actions' }, submit, resetButton), status),
  );

  const touched = new Set<string>();
  let submittedOnce = false;
  const build = () => bodyFromPaths(fields.map((f) => [f.path, f.read()]));

  /** Problems now: a field's own check (an empty seed) first, then the contract's schema. */
  const check = (): ErrorDetail[] => {
    const own = fields.flatMap((f) => {
      const message = f.check?.() ?? null;
      return message === null ? [] : [{ path: f.path, message }];
    });
    const ownPaths = new Set(own.map((d) => d.path));
    return [...own, ...validateRequest(type, build()).filter((d) => !ownPaths.has(d.path))];
  };

  const shown = new Map<string, string>();
  const showDetails = (details: readonly ErrorDetail[], visible: (path: string) => boolean, intro?: string) => {
    const { byPath, unplaced } = placeDetails(paths, details);
    for (const field of fields) {
      const message = visible(field.path) ? (byPath.get(field.path) ?? null) : null;
      if (message === null) shown.delete(field.path);
      else shown.set(field.path, message);
      field.setError(message);
    }
    // The summary belongs to a submit attempt: shown earlier, it would move the form under the pointer.
    if (!submittedOnce || (shown.size === 0 && unplaced.length === 0 && !intro)) {
      summary.hidden = true;
      replaceChildren(summary);
      return;
    }
    const count = shown.size + unplaced.length;
    replaceChildren(
      summary,
      h('p', null, intro ?? `Please fix ${count === 1 ? 'this field' : `these ${count} fields`} before submitting.`),
      unplaced.length > 0
        ? h('ul', null, ...unplaced.map((d) => h('li', null, d.path ? `${d.path}: ${d.message}` : d.message)))
        : null,
    );
    summary.hidden = false;
  };
  const focusFirstInvalid = (details: readonly ErrorDetail[]) => {
    const { byPath } = placeDetails(paths, details);
    fields.find((f) => byPath.has(f.path))?.focusTarget.focus();
  };
  /**
   * Leaving a field shows its problems; typing only updates or clears a message already shown
   * (no new messages mid-word), until the first submit attempt, after which everything is live.
   */
  const revalidate = (typing: boolean) => {
    if (!submittedOnce && touched.size === 0) return;
    showDetails(check(), (path) => submittedOnce || (touched.has(path) && (!typing || shown.has(path))));
  };
  form.addEventListener('change', (event) => {
    const field = fields.find((f) => f.root.contains(event.target as Node));
    if (field) touched.add(field.path);
    afterPointerRelease(() => revalidate(false));
  });
  form.addEventListener('input', () => revalidate(true));

  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    submittedOnce = true;
    const body = build();
    const details = check();
    showDetails(details, () => true);
    if (details.length > 0) {
      status.textContent = '';
      focusFirstInvalid(details);
      return;
    }
    busy = true;
    submit.disabled = true;
    status.textContent = 'Submitting…';
    try {
      const client = deps.client();
      const options = { signal: deps.signal() };
      const { taskId } =
        type === 'generate'
          ? await client.generate(body as never, options)
          : type === 'upscale'
            ? await client.upscale(body as never, options)
            : await client.extend(body as never, options);
      status.textContent = `Submitted task ${shortId(taskId)}.`;
      submittedOnce = false;
      touched.clear();
      deps.onSubmitted(taskId, type);
    } catch (error) {
      if (deps.signal().aborted) return;
      status.textContent = '';
      if (error instanceof InvalidRequestError && error.details.length > 0) {
        showDetails(error.details, () => true, 'The server did not accept this request:');
        focusFirstInvalid(error.details);
      } else {
        showDetails([], () => true, `Could not submit: ${error instanceof Error ? error.message : String(error)}`);
      }
    } finally {
      busy = false;
      submit.disabled = false;
    }
  });

  const reset = () => {
    for (const field of fields) {
      field.write(undefined);
      field.setError(null);
    }
    touched.clear();
    shown.clear();
    submittedOnce = false;
    summary.hidden = true;
    status.textContent = '';
  };
  resetButton.addEventListener('click', reset);
  return { type, tab, form, submit, fields, reset };
}

export function createCompose(deps: ComposeDeps): Compose {
  const forms = TYPES.map((type) => operationForm(type, deps));
  const tablist = h('div', { role: 'tablist', 'aria-label': 'Operation', class: 'tabs' }, ...forms.map((f) => f.tab));
  const select = (type: TaskType, focusTab = false) => {
    for (const f of forms) {
      const on = f.type === type;
      f.tab.setAttribute('aria-selected', String(on));
      f.tab.tabIndex = on ? 0 : -1;
      f.form.hidden = !on;
      if (on && focusTab) f.tab.focus();
    }
  };
  // Tabs per the ARIA authoring practices: arrows, Home and End move and select.
  tablist.addEventListener('keydown', (event) => {
    const index = forms.findIndex((f) => f.tab === document.activeElement);
    if (index < 0) return;
    const moves: Record<string, number> = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      Home: 0,
      End: forms.length - 1,
    };
    const next = moves[event.key];
    if (next === undefined) return;
    event.preventDefault();
    select(forms[(next + forms.length) % forms.length]!.type, true);
  });
  for (const f of forms) f.tab.addEventListener('click', () => select(f.type));
  select('generate');

  const root = h(
    'section',
    { class: 'compose panel', 'aria-labelledby': 'compose-title' },
    h(
      'div',
      { class: 'panel-head' },
      h('h2', { id: 'compose-title' }, 'New task'),
      h('p', { class: 'help' }, 'Ctrl+Enter submits'),
    ),
    tablist,
    ...forms.map((f) => f.form),
  );
  // Ctrl+Enter (⌘+Enter on a Mac) submits the form shown, from any field, as in chat and code review tools.
  root.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
    const shown = forms.find((f) => !f.form.hidden);
    if (!shown) return;
    event.preventDefault();
    shown.form.requestSubmit();
  });
  return {
    root,
    select,
    prefill(type, body) {
      const form = forms.find((f) => f.type === type)!;
      form.reset();
      for (const field of form.fields) field.write(valueAt(body, field.path));
      select(type);
      form.submit.focus();
      deps.announce(`${TITLES[type]} form filled in.`);
    },
  };
}
