/**
 * Handing a finished video over: to the object store through the claim's presigned PUT when it
 * offers one (then `uploaded`, which has the server check it), otherwise, or when that path does
 * not work, through the API's upload; then complete.
 */
import { stat } from 'node:fs/promises';
import type { RunnerTask, RunnerUploadResponse } from '@vidforge/contract';
import { ExecutorError, RunnerProtocolError } from './errors.ts';
import { printable } from './http.ts';
import type { RunnerClient } from './protocol-client.ts';
import type { RunnerLog } from './runner.ts';
import { usableUpload } from './store-upload.ts';

/** An upload URL this close to its expiry is not tried (clocks differ a little): the API is. */
const UPLOAD_URL_MARGIN_MS = 5_000;

/**
 * Upload, then complete. Errors come out as HandOverError so they are told apart from the
 * executor's, or as SettledByServer when the server failed the attempt itself.
 */
export function handOverOf(client: RunnerClient, log: RunnerLog) {
  return handOver;

  async function handOver(
    task: RunnerTask,
    path: string,
    signal: AbortSignal,
    label: string,
    /** Ends the task's heartbeats (waiting for one in flight) before complete, which ends the lease. */
    stopHeartbeats: () => Promise<void>,
  ): Promise<void> {
    let step = 'upload';
    try {
      const direct = await uploadToStore(task, path, signal, label);
      const uploaded = direct ?? (await client.uploadOutput(task.taskId, task.leaseToken, path, signal));
      const { width, height, durationSeconds } = uploaded.video;
      const where = direct ? ' to the object store' : '';
      log.info(`${label} uploaded${where}: ${uploaded.size} bytes, ${width}x${height}, ${durationSeconds} s`);
      step = 'complete';
      // A heartbeat answered after the commit would say LEASE_LOST and stop a task that succeeded.
      await stopHeartbeats();
      const settled = await client.complete(task.taskId, task.leaseToken, signal);
      log.info(`${label} ${settled.status === 'SUCCESS' ? 'succeeded' : `completed as ${settled.status}`}`);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof SettledByServer) throw error;
      if (error instanceof RunnerProtocolError && error.code === 'PAYLOAD_TOO_LARGE') {
        throw new ExecutorError('OUTPUT_INVALID', `The server refused the video as too large: ${error.message}`);
      }
      if (error instanceof RunnerProtocolError && error.code === 'OUTPUT_INVALID') {
        throw new ExecutorError('OUTPUT_INVALID', `The server refused the video: ${error.message}`, {
          retryable: true,
        });
      }
      throw new HandOverError(`${step} failed`, error);
    }
  }

  /** The presigned path: null when there is none or it did not work (then the API upload follows). */
  async function uploadToStore(
    task: RunnerTask,
    path: string,
    signal: AbortSignal,
    label: string,
  ): Promise<RunnerUploadResponse | null> {
    const upload = usableUpload(task.output.upload, Date.now(), UPLOAD_URL_MARGIN_MS);
    if (!upload) return null;
    try {
      await client.uploadToStore(upload, path, signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      log.warn(`${label}: the upload to the object store failed (${describe(error)}); uploading through the server`);
      return null;
    }
    const { size } = await stat(path);
    try {
      return await client.uploaded(task.taskId, task.leaseToken, size, signal);
    } catch (error) {
      if (!(error instanceof RunnerProtocolError)) throw error;
      if (error.code === 'OUTPUT_INVALID' || error.code === 'PAYLOAD_TOO_LARGE') {
        // The server has failed this attempt itself and deleted the object: nothing more to send.
        throw new SettledByServer(`the server refused the uploaded video and failed the attempt: ${describe(error)}`);
      }
      if (error.code === 'OUTPUT_MISSING') {
        log.warn(`${label}: the server found no object at the upload URL; uploading through the server`);
        return null;
      }
      throw error;
    }
  }
}

/** An upload or complete that failed for a reason other than the video itself. */
export class HandOverError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'HandOverError';
  }
}

/** The server settled the attempt itself (a rejected object): the runner reports nothing more. */
export class SettledByServer extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettledByServer';
  }
}

export function describe(error: unknown): string {
  if (error instanceof RunnerProtocolError) return `${error.code}: ${error.message}`;
  return printable((error as Error)?.message ?? String(error));
}
