/**
 * A deterministic engine for tests only (registered when `enableTestEngine` is set). It makes no
 * video: it writes `size` deterministic bytes after `steps` progress steps, and follows a script
 * that reaches every state, failure, retry and timeout path.
 *
 * The script comes from the endpoint's settings, overridden per task by a prompt of the form
 * `test: steps=4 stepMs=50 failAttempts=1 failCode=ENGINE_FAILED retryable=true`.
 */

import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TASK_ERROR_CODES, type TaskErrorCode } from '@vidforge/contract';
import { type Engine, EngineError } from '../engine.ts';

export interface TestScript {
  steps: number;
  stepMs: number;
  /** Attempts 1..failAttempts fail with failCode. */
  failAttempts: number;
  failCode: TaskErrorCode;
  retryable: boolean;
  /** Throws a plain Error (an engine bug) instead of an EngineError. */
  crash: boolean;
  /**
   * Throws from a timer callback, outside the run's promise chain, then waits to be aborted: the
   * kind of fault (an HTTP client's socket handler, a child process event) that ends a process.
   */
  escape: boolean;
  size: number;
}

const DEFAULT_SCRIPT: TestScript = {
  steps: 4,
  stepMs: 10,
  failAttempts: 0,
  failCode: 'ENGINE_FAILED',
  retryable: true,
  crash: false,
  escape: false,
  size: 64 * 1024,
};

function scriptOf(settings: Record<string, unknown>, prompt: string | undefined): TestScript {
  const values: Record<string, unknown> = { ...settings };
  const directives = prompt?.startsWith('test:') ? prompt.slice(5).trim().split(/\s+/) : [];
  for (const directive of directives) {
    const [key, value] = directive.split('=');
    if (key && value !== undefined)
      values[key] = /^\d+$/.test(value) ? Number(value) : value === 'true' ? true : value === 'false' ? false : value;
  }
  const script = { ...DEFAULT_SCRIPT };
  for (const key of Object.keys(DEFAULT_SCRIPT) as (keyof TestScript)[]) {
    if (values[key] !== undefined && typeof values[key] === typeof DEFAULT_SCRIPT[key]) {
      (script as Record<string, unknown>)[key] = values[key];
    }
  }
  if (!(TASK_ERROR_CODES as readonly string[]).includes(script.failCode)) script.failCode = 'ENGINE_FAILED';
  return script;
}

export function createTestEngine(): Engine {
  return {
    name: 'test',
    async run(task, context) {
      const prompt = 'prompt' in task.request.body ? task.request.body.prompt : undefined;
      const script = scriptOf(task.endpointSettings, prompt);
      for (let step = 1; step <= script.steps; step++) {
        await sleep(script.stepMs, undefined, { signal: context.signal });
        context.progress(step / (script.steps + 1), `step ${step}`);
      }
      if (script.escape) {
        setTimeout(() => {
          throw new Error('test engine fault outside the promise chain');
        });
        await sleep(2 ** 31 - 1, undefined, { signal: context.signal });
      }
      if (task.attempt <= script.failAttempts) {
        if (script.crash) throw new Error('test engine crashed on purpose');
        throw new EngineError(script.failCode, `test engine failed attempt ${task.attempt} on purpose`, {
          retryable: script.retryable,
        });
      }
      const path = join(context.workDir, 'output.mp4');
      const block = createHash('sha256').update(`${task.id}:${task.seed}`).digest();
      const bytes = Buffer.alloc(script.size);
      for (let i = 0; i < bytes.length; i += block.length) block.copy(bytes, i);
      await writeFile(path, bytes);
      return {
        path,
        contentType: 'video/mp4',
        video: { width: 64, height: 64, fps: 24, durationSeconds: 2, hasAudio: false },
      };
    },
  };
}
