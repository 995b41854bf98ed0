/** A live one-line progress display for terminals: bar, percentage, status, elapsed time. */
import type { Task } from '@vidforge/sdk';
import { queuePlace } from '@vidforge/sdk';

export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export function renderLine(task: Task | undefined, elapsedMs: number, columns: number): string {
  const progress = task?.progress ?? 0;
  const status = (task?.status ?? 'WAITING').padEnd(11);
  // The place in line goes last: the line is cut to the terminal's width, the bar and time first.
  const queued = task ? queuePlace(task) : null;
  const tail = ` ${String(Math.floor(progress * 100)).padStart(3)}% ${status} ${formatElapsed(elapsedMs)}${queued ? ` ${queued}` : ''}`;
  const width = Math.max(10, Math.min(40, columns - tail.length - 3));
  const filled = Math.round(progress * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${tail}`.slice(0, Math.max(1, columns - 1));
}

export class ProgressBar {
  readonly #stream: NodeJS.WriteStream;
  readonly #started: number;
  #task: Task | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(stream: NodeJS.WriteStream, started = Date.now()) {
    this.#stream = stream;
    this.#started = started;
    // Redrawn on a timer too, so the elapsed time moves while the task sits in one state.
    this.#timer = setInterval(() => this.#draw(), 250);
    this.#timer.unref();
    this.#draw();
  }

  update(task: Task): void {
    this.#task = task;
    this.#draw();
  }

  /** Prints a line above the bar (which is redrawn under it). */
  note(line: string): void {
    this.#stream.write(`\r\x1b[2K${line}\n`);
    this.#draw();
  }

  /** Stops redrawing and clears the line, leaving the terminal for the final message. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stream.write('\r\x1b[2K');
  }

  get elapsedMs(): number {
    return Date.now() - this.#started;
  }

  #draw(): void {
    if (this.#timer === undefined) return;
    const columns = this.#stream.columns || 80;
    this.#stream.write(`\r\x1b[2K${renderLine(this.#task, Date.now() - this.#started, columns)}`);
  }
}
