/**
 * Waiting over the server's live-progress stream (`GET …/video/tasks/{taskId}/events`, Server-Sent
 * Events), a Vidforge addition the hosted original does not have. Only fetch, ReadableStream and
 * TextDecoder are used, so it runs on Node 20 and in browsers with no dependency.
 *
 * `streamUntilDone` resolves with the final task, or with `undefined` when the stream cannot be
 * used (no such route: 404/405, another content type, refused at a cap, cut too often): the caller
 * then polls, which also reports any real error (an unknown task, a revoked key) as polling does.
 */
import type { Task } from './contract-types.ts';
import { APIError, AuthenticationError, TaskFailedError } from './errors.ts';
import { linkSignals } from './signals.ts';

export interface StreamCall {
  /** Opens the stream: the response with its body unread (the transport's `stream`). */
  open(signal: AbortSignal, lastEventId: string | undefined): Promise<Response>;
  /** Aborts everything: the wait's deadline and the caller's signal. */
  signal: AbortSignal;
  /** Called with every task the stream carries, in order. */
  onTask(task: Task): void;
}

/** No bytes for this long (the server sends a comment every 15 s): the stream is dead; reconnect. */
const IDLE_MS = 45_000;
/** Breaks without any new event before the wait gives up on the stream and polls. */
const MAX_FRUITLESS_BREAKS = 2;

interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/** Splits a byte stream into SSE events (comments and `retry` fields are skipped). */
async function* readEvents(body: ReadableStream<Uint8Array>, onBytes: () => void): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let fields: { id?: string; event?: string; data: string[] } = { data: [] };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      onBytes();
      buffer += decoder.decode(value, { stream: true });
      let newline = buffer.search(/\r\n|\r|\n/);
      while (newline !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        newline = buffer.search(/\r\n|\r|\n/);
        if (line === '') {
          if (fields.data.length > 0)
            yield { id: fields.id, event: fields.event ?? 'message', data: fields.data.join('\n') };
          fields = { data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const name = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (name === 'data') fields.data.push(value);
        else if (name === 'event') fields.event = value;
        else if (name === 'id') fields.id = value;
      }
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => {});
  }
}

/** The final task over the stream, or undefined when the caller should poll instead. */
export async function streamUntilDone(call: StreamCall): Promise<Task | undefined> {
  let lastEventId: string | undefined;
  let fruitless = 0;
  while (fruitless <= MAX_FRUITLESS_BREAKS) {
    const idle = new AbortController();
    const link = linkSignals([call.signal, idle.signal]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(new Error('stream idle')), IDLE_MS);
    };
    let advanced = false;
    try {
      let response: Response;
      try {
        response = await call.open(link.signal, lastEventId);
      } catch (error) {
        if (call.signal.aborted) throw call.signal.reason;
        // A key the server refuses is refused by the poll too: say so now.
        if (error instanceof AuthenticationError) throw error;
        if (error instanceof APIError) return undefined;
        throw error;
      }
      // 204: the task ended and this client has its final event; the poll reads the final state.
      if (response.status === 204 || !response.body) return undefined;
      if (!response.headers.get('content-type')?.toLowerCase().startsWith('text/event-stream')) {
        await response.body.cancel().catch(() => {});
        return undefined;
      }
      touch();
      for await (const event of readEvents(response.body, touch)) {
        if (event.event !== 'task' && event.event !== 'done' && event.event !== 'queue') continue;
        let task: Task;
        try {
          task = JSON.parse(event.data) as Task;
        } catch {
          continue;
        }
        if (event.id !== undefined) lastEventId = event.id;
        advanced = true;
        call.onTask(task);
        if (task.status === 'SUCCESS') return task;
        if (task.status === 'FAIL') {
          throw new TaskFailedError(task, {
            status: 200,
            requestId: response.headers.get('x-request-id') ?? undefined,
            headers: response.headers,
          });
        }
      }
    } catch (error) {
      if (call.signal.aborted) throw call.signal.reason;
      if (error instanceof TaskFailedError || error instanceof AuthenticationError) throw error;
      // A cut connection or an idle stream: reconnect below, resuming from the last event.
    } finally {
      clearTimeout(timer);
      link.dispose();
    }
    fruitless = advanced ? 0 : fruitless + 1;
  }
  return undefined;
}
