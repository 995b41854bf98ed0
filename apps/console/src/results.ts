/**
 * Poster frames and deleting a result. The seed API has neither, so these two go to the same
 * server's OpenAI-compatible routes (docs/openai-api.md) with the same key: a task is a video there
 * under its own id. The poster is the `thumbnail` variant, which the server makes once per result
 * and stores beside it; the page keeps each one as an object URL until the list is reset.
 */
import { h } from './dom.ts';

/** Posters fetched at once, at most: a first page of 20 finished tasks does not make 20 ffmpeg runs at once. */
const CONCURRENT_POSTERS = 3;

export interface ResultFiles {
  /** Shows the task's poster in `img` once it is loaded; nothing if there is none (deleted, expired). */
  showPoster(taskId: string, img: HTMLImageElement): void;
  /** Deletes the task's result (and its poster); the task itself stays, without a video. */
  deleteResult(taskId: string): Promise<void>;
  /** Frees every poster kept so far. */
  reset(): void;
}

export function createResultFiles(deps: { origin: string; accessKey: string; signal(): AbortSignal }): ResultFiles {
  const posters = new Map<string, Promise<string | null>>();
  const queue: (() => void)[] = [];
  let running = 0;

  const videoUrl = (taskId: string, suffix = '') => `${deps.origin}/v1/videos/${encodeURIComponent(taskId)}${suffix}`;
  const headers = () => ({ authorization: `Bearer ${deps.accessKey}` });

  const slot = async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= CONCURRENT_POSTERS) await new Promise<void>((resolve) => queue.push(resolve));
    running++;
    try {
      return await work();
    } finally {
      running--;
      queue.shift()?.();
    }
  };

  const fetchPoster = (taskId: string) =>
    slot(async () => {
      const response = await fetch(videoUrl(taskId, '/content?variant=thumbnail'), {
        headers: headers(),
        signal: deps.signal(),
      });
      if (!response.ok) return null;
      return URL.createObjectURL(await response.blob());
    }).catch(() => null);

  return {
    showPoster(taskId, img) {
      let poster = posters.get(taskId);
      if (!poster) {
        poster = fetchPoster(taskId);
        posters.set(taskId, poster);
      }
      void poster.then((url) => {
        if (url === null) return;
        img.src = url;
        img.hidden = false;
      });
    },
    async deleteResult(taskId) {
      const response = await fetch(videoUrl(taskId), { method: 'DELETE', headers: headers(), signal: deps.signal() });
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
      }
      const poster = await posters.get(taskId);
      if (poster) URL.revokeObjectURL(poster);
      posters.delete(taskId);
    },
    reset() {
      for (const poster of posters.values()) void poster.then((url) => url && URL.revokeObjectURL(url));
      posters.clear();
    },
  };
}

/** The poster's image element: hidden until a poster arrives, decorative (the card says what it is). */
export function posterImage(): HTMLImageElement {
  return h('img', { class: 'poster', alt: '', hidden: true, decoding: 'async' });
}
