/**
 * A source image or video: a URL, with a preview in the page as soon as it is well-formed (the
 * browser's own view of it, before the server fetches it when the task runs), or a local file,
 * picked or dropped, uploaded at once and previewed from the browser's copy (upload-control.ts).
 */
import { MediaUrl } from '@vidforge/contract';
import { h, replaceChildren, uid } from './dom.ts';
import { describe, errorSlot, type Field, type FieldShell, helpText } from './fields.ts';
import { clockTime, formatBytes } from './format.ts';
import { type Uploader, uploadControl } from './upload-control.ts';

export interface UrlFieldOptions {
  label: string;
  path: string;
  kind: 'image' | 'video';
  help: string;
  required?: boolean;
  /** Offers a file picker and a drop zone that upload through this. */
  upload?: Uploader;
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

  const show = (src: string, alt: string) => {
    const media =
      options.kind === 'image'
        ? h('img', { alt, src, referrerpolicy: 'no-referrer' })
        : h('video', { src, muted: true, controls: true, playsinline: true, preload: 'metadata', 'aria-label': alt });
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
  const hide = () => {
    preview.hidden = true;
    replaceChildren(preview);
  };

  let shown = '';
  /** The URL of the uploaded file on show: its preview is the local copy, not the URL. */
  let uploadedUrl: string | null = null;
  const showPreview = () => {
    const url = control.value.trim();
    if (url === shown) return;
    shown = url;
    if (uploadedUrl !== null && url !== uploadedUrl) {
      uploadedUrl = null;
      upload?.clear();
      status.textContent = '';
    }
    if (url === '' || !MediaUrl.safeParse(url).success) return hide();
    note.textContent = 'Loading preview…';
    show(url, `Preview of the source ${options.kind}`);
  };

  const upload = options.upload
    ? uploadControl({
        kind: options.kind,
        upload: options.upload,
        dropZone: shell.root,
        onStart(file, previewUrl) {
          describe(control, shell, null);
          uploadedUrl = null;
          control.value = '';
          shown = '';
          status.textContent = `Uploading ${file.name} (${formatBytes(file.size)})…`;
          note.textContent = '';
          show(previewUrl, `Preview of ${file.name}`);
        },
        onDone(answer, file) {
          uploadedUrl = answer.url;
          shown = answer.url;
          control.value = answer.url;
          status.textContent = `Uploaded ${file.name} (${formatBytes(answer.size)}, ${answer.contentType}), kept until ${clockTime(answer.expiresAt)}`;
          control.dispatchEvent(new Event('input', { bubbles: true }));
        },
        onError(message) {
          status.textContent = '';
          hide();
          describe(control, shell, message);
        },
      })
    : null;
  // The upload's own progress, apart from the preview's note, which describes the picture.
  const status = h('p', { class: 'upload-status', 'aria-live': 'polite' });
  if (upload) shell.root.insertBefore(h('div', null, upload.root, status), shell.error);

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
    check: () => (upload?.busy() ? `The ${options.kind} is still uploading; submit again when it is done.` : null),
  };
}
