/** Shared by the end-to-end media tests: submit to the preview endpoint, wait, download. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { TestServer } from '../support/index.ts';

export function previewClient(server: TestServer) {
  const url = (path: string) => `${server.basePath}/${server.previewEndpointPath}${path}`;
  return {
    async submit(kind: 'generate' | 'upscale' | 'extend', body: unknown): Promise<string> {
      const response = await server.call('POST', url(`/video/${kind}`), body);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body.taskId;
    },
    /** Polls to SUCCESS or FAIL; returns every state seen, to check progress. */
    async finish(taskId: string, timeoutMs = 60_000): Promise<{ task: any; seen: any[] }> {
      const seen: any[] = [];
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const { status, body } = await server.call('GET', url(`/video/tasks/${taskId}`));
        expect(status).toBe(200);
        seen.push(body);
        if (body.status === 'SUCCESS' || body.status === 'FAIL') return { task: body, seen };
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`task ${taskId} did not finish: ${JSON.stringify(seen.at(-1))}`);
    },
  };
}

export function expectRisingProgress(seen: { status: string; progress: number }[]): void {
  const progress = seen.map((t) => t.progress);
  for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]!);
  expect(seen.filter((t) => t.status !== 'SUCCESS').every((t) => t.progress < 1)).toBe(true);
}

export async function downloadTo(dir: string, url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const path = join(dir, `download-${Date.now()}-${Math.random().toString(36).slice(2)}.mp4`);
  await writeFile(path, new Uint8Array(await response.arrayBuffer()));
  return path;
}
