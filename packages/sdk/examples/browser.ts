import { type Task, Vidforge } from '@vidforge/sdk';

// In a browser the core entry needs only fetch. Anyone who can read the page can read the key,
// so use this for trusted internal tools, or put the key behind your own backend.
export async function renderInto(video: HTMLVideoElement, prompt: string, signal: AbortSignal): Promise<Task> {
  const client = new Vidforge({
    baseUrl: new URL('/v1/ai', window.location.origin).href,
    endpointPath: 'YOUR_ENDPOINT_PATH',
    accessKey: 'YOUR_ACCESS_KEY',
  });
  const task = await client.generateAndWait({ prompt }, { signal });
  // The media URL is signed and supports Range requests, so the video element can stream it.
  video.src = task.mediaUrl ?? '';
  return task;
}
