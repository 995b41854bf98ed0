/** Submitting test-engine tasks and recording when each response arrived. */
import { inParallel, requestJson } from './http.ts';
import type { VidforgeServer } from './servers.ts';
import { epochMs } from './stats.ts';

/** A test-engine task that does almost nothing: what is left is the queue's own cost. */
export const NOOP_PROMPT = 'test: steps=0 stepMs=0 size=1024';

export interface Submitted {
  taskId: string;
  /** Epoch ms (sub-ms resolution) when the response had arrived. */
  respondedAt: number;
}

export async function submitTask(server: VidforgeServer, prompt = NOOP_PROMPT): Promise<Submitted> {
  const response = await requestJson('POST', `${server.testBase}/video/generate`, { prompt }, server.headers);
  const respondedAt = epochMs();
  if (response.status !== 200) throw new Error(`submit failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { taskId: response.body.taskId, respondedAt };
}

/** `count` submits with `concurrency` in flight, as a burst of clients would send them. */
export function submitBurst(server: VidforgeServer, count: number, concurrency: number): Promise<Submitted[]> {
  return inParallel(count, concurrency, () => submitTask(server));
}
