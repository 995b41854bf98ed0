/**
 * A source image or video URL, with a preview in the page as soon as the URL is well-formed: the
 * browser's own view of it, before the server fetches it when the task runs.
 */
import { MediaUrl } from '@vidforge/contract';
import { h, replaceChildren, uid } from './dom.ts';
import { describe, errorSlot, type Field, type FieldShell, helpText } from './fields.ts';

export interface UrlFieldOptions {
  label: string;
  path: string;
  kind: 'image' | 'video';
  help: string;
  required?: boolean;
}

/** A source URL with a preview of the image or video, shown as soon as the URL is well-formed. */
export function urlField(options: UrlFieldOptions): Field {
  const id = uid('field');
  const control = h('input', {
    id,
    name: options.path,
    type: 'url',
    inputmode: 'url',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: options.kind === 'image' ? 'https://example.com/first-frame.jpg' : 'https://example.com/clip.mp4',
  });
  if (options.required) control.setAttribute('aria-required', 'true');
  const help = helpText(options.help);
  const note = h('p', { class: 'preview-note', 'aria-live': 'polite' });
  const preview = h('figure', { class: 'preview', hidden: true });
  const shell: FieldShell = {
    root: h(
      'div',
      { class: 'field' },
      h('label', { for: id }, options.label, options.required ? null : h('span', { class: 'optional' }, ' (optional)')),
      help,
      control,
    ),
    helpId: help?.id ?? null,
    error: errorSlot(),
  };
  shell.root.append(shell.error, preview);
  describe(control, shell, null);

  let shown = '';
  const showPreview = () => {
    const url = control.value.trim();
    if (url === shown) return;
    shown = url;
    if (url === '' || !MediaUrl.safeParse(url).success) {
      preview.hidden = true;
      replaceChildren(preview);
      return;
    }
    note.textContent = 'Loading preview…';
    const media =
      options.kind === 'image'
        ? h('img', { alt: 'Preview of the source image', src: url, referrerpolicy: 'no-referrer' })
        : h('video', {
            src: url,
            muted: true,
            controls: true,
            playsinline: true,
            preload: 'metadata',
            'aria-label': 'Preview of the source video',
          });
    const failed = () => {
      note.textContent = `The browser could not load this ${options.kind}; the server may still be able to fetch it.`;
    };
    media.addEventListener('error', failed);
    if (media instanceof HTMLImageElement) {
      media.addEventListener('load', () => {
        note.textContent = `Image ${media.naturalWidth}×${media.naturalHeight}`;
      });
    } else {
      media.addEventListener('loadedmetadata', () => {
        note.textContent = `Video ${media.videoWidth}×${media.videoHeight}, ${media.duration.toFixed(1)} s`;
      });
    }
    replaceChildren(preview, media, h('figcaption', null, note));
    preview.hidden = false;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  control.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(showPreview, 400);
  });
  control.addEventListener('change', showPreview);

  return {
    path: options.path,
    root: shell.root,
    focusTarget: control,
    read: () => (control.value.trim() === '' ? undefined : control.value.trim()),
    write(value) {
      control.value = typeof value === 'string' ? value : '';
      showPreview();
    },
    setError: (message) => describe(control, shell, message),
  };
}
