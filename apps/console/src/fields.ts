/**
 * Form fields. Each one owns its label, help text and error message (tied to the control with
 * aria-describedby and aria-invalid), reads its value for the request body, and can be filled from
 * an earlier request. Values are passed to the contract's schemas as typed, never coerced: a seed
 * typed as "abc" reaches the schema as a string, so the message is the server's own.
 */
import { SEED_MAX } from '@vidforge/contract';
import { h, toggleAttr, uid } from './dom.ts';

export interface Field {
  /** The request path this field fills, e.g. `settings.seed`; errors with this path show here. */
  readonly path: string;
  readonly root: HTMLElement;
  /** What to focus when the field is invalid. */
  readonly focusTarget: HTMLElement;
  /** The value for the request body; undefined leaves the field out. */
  read(): unknown;
  /** Fills the field; undefined restores its default. */
  write(value: unknown): void;
  setError(message: string | null): void;
  /** A problem the schema cannot name well (an empty seed), checked before the schema. */
  check?(): string | null;
}

export interface FieldShell {
  root: HTMLElement;
  helpId: string | null;
  error: HTMLElement;
}

export function errorSlot(): HTMLElement {
  return h('p', { class: 'field-error', id: uid('error'), hidden: true });
}

/** Wires a control's description: help first, then the error while there is one. */
export function describe(control: HTMLElement, shell: FieldShell, message: string | null): void {
  shell.error.textContent = message ?? '';
  shell.error.hidden = message === null;
  shell.root.classList.toggle('invalid', message !== null);
  toggleAttr(control, 'aria-invalid', message !== null, 'true');
  const ids = [shell.helpId, message === null ? null : shell.error.id].filter(Boolean).join(' ');
  toggleAttr(control, 'aria-describedby', ids !== '', ids);
}

export function helpText(text: string | undefined): HTMLElement | null {
  return text ? h('p', { class: 'help', id: uid('help') }, text) : null;
}

export interface TextFieldOptions {
  label: string;
  path: string;
  help?: string;
  multiline?: boolean;
  /** Required fields send '' when empty (the schema explains); optional ones are left out. */
  required?: boolean;
  maxChars?: number;
  placeholder?: string;
}

export function textField(options: TextFieldOptions): Field & { control: HTMLInputElement | HTMLTextAreaElement } {
  const id = uid('field');
  const control = options.multiline
    ? h('textarea', { id, name: options.path, rows: 3, placeholder: options.placeholder })
    : h('input', { id, name: options.path, type: 'text', placeholder: options.placeholder });
  if (options.required) control.setAttribute('aria-required', 'true');
  const help = helpText(options.help);
  const counter = options.maxChars ? h('span', { class: 'counter', 'aria-hidden': 'true' }) : null;
  const updateCounter = () => {
    if (counter) counter.textContent = `${[...control.value.trim()].length} / ${options.maxChars}`;
  };
  control.addEventListener('input', updateCounter);
  updateCounter();
  const label = h(
    'label',
    { for: id },
    options.label,
    options.required ? null : h('span', { class: 'optional' }, ' (optional)'),
  );
  const shell: FieldShell = {
    root: h('div', { class: 'field' }, h('div', { class: 'label-row' }, label, counter), help, control),
    helpId: help?.id ?? null,
    error: errorSlot(),
  };
  shell.root.append(shell.error);
  describe(control, shell, null);
  return {
    path: options.path,
    root: shell.root,
    focusTarget: control,
    control,
    read() {
      if (control.value.trim() === '' && !options.required) return undefined;
      return control.value;
    },
    write(value) {
      control.value = typeof value === 'string' ? value : '';
      updateCounter();
    },
    setError: (message) => describe(control, shell, message),
  };
}

export interface Choice<T> {
  value: T;
  label: string;
  /** A second line, e.g. the output size. */
  detail?: string;
}

export interface ChoiceFieldOptions<T> {
  legend: string;
  path: string;
  choices: readonly Choice<T>[];
  defaultValue: T;
  /** Draws each choice as a box of its aspect ratio. */
  shapes?: boolean;
  help?: string;
}

/** A radio group: native radios, so arrow keys move the choice and Tab leaves the group. */
export function choiceField<T extends string | number>(options: ChoiceFieldOptions<T>): Field {
  const name = uid('choice');
  const help = helpText(options.help);
  const radios = options.choices.map((choice) => {
    const radio = h('input', { type: 'radio', name, value: String(choice.value), class: 'visually-hidden-radio' });
    const isDefault = choice.value === options.defaultValue;
    const label = h(
      'label',
      { class: options.shapes ? 'chip shape-chip' : 'chip' },
      radio,
      options.shapes ? h('span', { class: `shape shape-${String(choice.value).replace(':', 'x')}` }) : null,
      h(
        'span',
        { class: 'chip-text' },
        h('span', { class: 'chip-label' }, choice.label),
        choice.detail ? h('span', { class: 'chip-detail' }, choice.detail) : null,
        isDefault ? h('span', { class: 'chip-default' }, 'default') : null,
      ),
    );
    return { radio, label, choice };
  });
  const fieldset = h(
    'fieldset',
    { class: options.shapes ? 'field choices shapes' : 'field choices', role: 'radiogroup' },
    h('legend', null, options.legend),
    help,
    h('div', { class: 'chip-row' }, ...radios.map((r) => r.label)),
  );
  const shell: FieldShell = { root: fieldset, helpId: help?.id ?? null, error: errorSlot() };
  fieldset.append(shell.error);
  describe(fieldset, shell, null);
  const select = (value: unknown) => {
    const target =
      radios.find((r) => r.choice.value === value) ?? radios.find((r) => r.choice.value === options.defaultValue);
    for (const r of radios) r.radio.checked = r === target;
  };
  select(options.defaultValue);
  return {
    path: options.path,
    root: fieldset,
    get focusTarget() {
      return radios.find((r) => r.radio.checked)?.radio ?? radios[0]!.radio;
    },
    read: () => radios.find((r) => r.radio.checked)?.choice.value,
    write: select,
    setError: (message) => describe(fieldset, shell, message),
  };
}

/** A random seed in [0, SEED_MAX] (SEED_MAX is 2^32 - 1: one Uint32). */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! % (SEED_MAX + 1);
}

/** Decimal text becomes a number; anything else is passed on as text for the schema to explain. */
export function seedValue(text: string): unknown {
  const trimmed = text.trim();
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(trimmed) ? Number(trimmed) : trimmed;
}

/** Seed: "random" (-1, the server picks and records one) or a number, with a re-roll button. */
export function seedField(path: string): Field {
  const id = uid('field');
  const randomId = uid('field');
  const control = h('input', {
    id,
    name: path,
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'off',
    placeholder: 'random',
  });
  const random = h('input', { id: randomId, type: 'checkbox', checked: true });
  const reroll = h('button', { type: 'button', class: 'secondary' }, 'Re-roll');
  const help = helpText(`Random by default (-1: the server picks one and records it); or 0 to ${SEED_MAX}.`);
  const sync = () => {
    control.disabled = random.checked;
    if (random.checked) control.value = '';
  };
  random.addEventListener('change', () => {
    sync();
    if (random.checked) return;
    // A concrete seed to start from, selected so typing replaces it.
    if (control.value.trim() === '') control.value = String(randomSeed());
    control.focus();
    control.select();
  });
  reroll.addEventListener('click', () => {
    random.checked = false;
    sync();
    control.value = String(randomSeed());
  });
  const fieldset = h(
    'fieldset',
    { class: 'field seed' },
    h('legend', null, 'Seed'),
    help,
    h(
      'div',
      { class: 'seed-row' },
      h('label', { for: id, class: 'visually-hidden' }, 'Seed value'),
      control,
      h('label', { class: 'inline-check', for: randomId }, random, ' Random'),
      reroll,
    ),
  );
  const shell: FieldShell = { root: fieldset, helpId: help?.id ?? null, error: errorSlot() };
  fieldset.append(shell.error);
  describe(control, shell, null);
  sync();
  return {
    path,
    root: fieldset,
    get focusTarget() {
      return random.checked ? random : control;
    },
    read() {
      if (random.checked) return -1;
      return seedValue(control.value);
    },
    check: () =>
      !random.checked && control.value.trim() === '' ? `enter a seed from 0 to ${SEED_MAX}, or choose Random` : null,
    write(value) {
      random.checked = typeof value !== 'number' || value === -1;
      sync();
      if (!random.checked) control.value = String(value);
    },
    setError: (message) => describe(control, shell, message),
  };
}

export interface RangeFieldOptions {
  label: string;
  path: string;
  min: number;
  max: number;
  step: number;
  defaultValue: number;
  help?: string;
}

export function rangeField(options: RangeFieldOptions): Field {
  const id = uid('field');
  const control = h('input', {
    id,
    name: options.path,
    type: 'range',
    min: options.min,
    max: options.max,
    step: options.step,
    value: options.defaultValue,
  });
  const output = h('output', { for: id, class: 'range-value' });
  const sync = () => {
    output.textContent = Number(control.value).toFixed(1);
    control.setAttribute('aria-valuetext', output.textContent);
  };
  control.addEventListener('input', sync);
  const help = helpText(options.help);
  const shell: FieldShell = {
    root: h(
      'div',
      { class: 'field' },
      h('div', { class: 'label-row' }, h('label', { for: id }, options.label), output),
      help,
      h(
        'div',
        { class: 'range-row' },
        h('span', { 'aria-hidden': 'true' }, String(options.min)),
        control,
        h('span', { 'aria-hidden': 'true' }, String(options.max)),
      ),
    ),
    helpId: help?.id ?? null,
    error: errorSlot(),
  };
  shell.root.append(shell.error);
  describe(control, shell, null);
  sync();
  return {
    path: options.path,
    root: shell.root,
    focusTarget: control,
    read: () => Number(control.value),
    write(value) {
      control.value = String(typeof value === 'number' ? value : options.defaultValue);
      sync();
    },
    setError: (message) => describe(control, shell, message),
  };
}
