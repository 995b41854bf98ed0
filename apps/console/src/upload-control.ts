/**
 * The local-file half of a source field: a file picker and a drop zone. The file is uploaded
 * through the SDK (`uploadFile`, `POST …/uploads`) as soon as it is chosen, previewed from the
 * browser's own copy (a blob: URL: the upload URL is a name only the server resolves, it serves
 * nothing back), and its URL goes into the field. The server checks the bytes; its refusal is the
 * field's error message.
 */
import type { UploadResponse } from '@vidforge/sdk';
import { h } from './dom.ts';
import { formatBytes } from './format.ts';

export type Uploader = (file: File) => Promise<UploadResponse>;

export interface UploadControlOptions {
  kind: 'image' | 'video';
  upload: Uploader;
  /** Where files may be dropped (the whole field). */
  dropZone: HTMLElement;
  /** A file was chosen: show it from `previewUrl` while it uploads. */
  onStart(file: File, previewUrl: string): void;
  onDone(answer: UploadResponse, file: File): void;
  onError(message: string): void;
}

/** Formats the file input offers; the server decides by the bytes, this only guides the picker. */
const ACCEPT = {
  image: 'image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp',
  video: 'video/mp4,video/quicktime,video/webm,video/x-matroska,.mp4,.mov,.webm,.mkv',
};

export interface UploadControl {
  root: HTMLElement;
  /** Whether an upload is in flight (the form waits for it). */
  busy(): boolean;
  /** Forgets the chosen file (the field was reset or filled with a URL). */
  clear(): void;
}

export function uploadControl(options: UploadControlOptions): UploadControl {
  const input = h('input', { type: 'file', accept: ACCEPT[options.kind], class: 'file-input' });
  const article = options.kind === 'image' ? 'an' : 'a';
  const button = h('button', { type: 'button', class: 'secondary' }, `Choose ${article} ${options.kind} file…`);
  button.addEventListener('click', () => input.click());
  let current = 0;
  let inFlight = false;
  let previewUrl: string | null = null;

  const release = () => {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
  };

  const start = async (file: File) => {
    const attempt = ++current;
    release();
    previewUrl = URL.createObjectURL(file);
    inFlight = true;
    options.onStart(file, previewUrl);
    try {
      const answer = await options.upload(file);
      if (attempt !== current) return;
      if (answer.kind !== options.kind) {
        options.onError(
          `${file.name} is ${answer.kind === 'image' ? 'an image' : 'a video'}; choose ${options.kind === 'image' ? 'an image' : 'a video'}.`,
        );
        return;
      }
      options.onDone(answer, file);
    } catch (error) {
      if (attempt !== current) return;
      const message = error instanceof Error ? error.message : String(error);
      options.onError(`Could not upload ${file.name} (${formatBytes(file.size)}): ${message}`);
    } finally {
      if (attempt === current) inFlight = false;
    }
  };

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = '';
    if (file) void start(file);
  });
  const zone = options.dropZone;
  zone.addEventListener('dragover', (event) => {
    if (!event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', (event) => {
    if (!zone.contains(event.relatedTarget as Node | null)) zone.classList.remove('dragging');
  });
  zone.addEventListener('drop', (event) => {
    zone.classList.remove('dragging');
    const file = event.dataTransfer?.files[0];
    if (!file) return;
    event.preventDefault();
    void start(file);
  });

  return {
    root: h(
      'div',
      { class: 'upload-row' },
      button,
      h('span', { class: 'help' }, `or drop ${article} ${options.kind} here`),
      input,
    ),
    busy: () => inFlight,
    clear() {
      current++;
      inFlight = false;
      release();
    },
  };
}
