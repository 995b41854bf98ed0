/**
 * In-process wake-up for workers waiting on the queue, by channel (an engine, or another wake-up
 * name). A notify() that finds nobody waiting on its channel is remembered once, so a worker that
 * was between "claim found nothing" and "wait" when a task arrived does not sleep through it; the
 * cost is at most one extra, empty claim. Channels are few (engines and a couple of names), so
 * each keeps its entry.
 */
interface Channel {
  waiters: Set<() => void>;
  pending: boolean;
}

export class Waker {
  readonly #channels = new Map<string, Channel>();
  #waiting = 0;

  #channel(name: string): Channel {
    let channel = this.#channels.get(name);
    if (!channel) {
      channel = { waiters: new Set(), pending: false };
      this.#channels.set(name, channel);
    }
    return channel;
  }

  notify(name: string): void {
    const channel = this.#channel(name);
    if (channel.waiters.size === 0) {
      channel.pending = true;
      return;
    }
    for (const wake of [...channel.waiters]) wake();
  }

  /** Resolves on a notify of one of `names`, after `ms`, or when `signal` aborts. */
  wait(names: readonly string[], ms: number, signal?: AbortSignal): Promise<void> {
    const channels = names.map((name) => this.#channel(name));
    let remembered = false;
    for (const channel of channels) {
      if (channel.pending) {
        channel.pending = false;
        remembered = true;
      }
    }
    if (remembered || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let ended = false;
      const done = () => {
        if (ended) return;
        ended = true;
        this.#waiting -= 1;
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        for (const channel of channels) channel.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
      for (const channel of channels) channel.waiters.add(done);
      this.#waiting += 1;
    });
  }

  /** Waits in progress (for tests: nothing may linger after a wait ends). */
  get waiting(): number {
    return this.#waiting;
  }
}
