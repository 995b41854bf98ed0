/** Shared by the OpenAI-compatible API tests: polling through the official client. */
import type OpenAI from 'openai';

export type Video = OpenAI.Videos.Video;

/** Polls until the video is completed or failed; returns every state seen, to check progress. */
export async function waitFor(
  client: OpenAI,
  id: string,
  timeoutMs = 60_000,
): Promise<{ video: Video; seen: Video[] }> {
  const seen: Video[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const video = await client.videos.retrieve(id);
    seen.push(video);
    if (video.status === 'completed' || video.status === 'failed') return { video, seen };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`video ${id} did not finish: ${JSON.stringify(seen.at(-1))}`);
}
