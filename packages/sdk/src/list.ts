/** Cursor pagination over the task list, as async iterators. */
import type { Task, TaskList } from './contract-types.ts';
import type { ListTasksParams, RequestOptions } from './options.ts';

/**
 * The tasks of an endpoint, newest first. Iterate it with `for await` to get every task across
 * pages (pages are fetched lazily, one request per page), or use {@link TaskListing.pages}.
 */
export class TaskListing implements AsyncIterable<Task> {
  readonly #fetchPage: (params: ListTasksParams, options: RequestOptions) => Promise<TaskList>;
  readonly #params: ListTasksParams;
  readonly #options: RequestOptions;

  /** Use {@link Vidforge.listTasks} instead. */
  constructor(
    fetchPage: (params: ListTasksParams, options: RequestOptions) => Promise<TaskList>,
    params: ListTasksParams,
    options: RequestOptions,
  ) {
    this.#fetchPage = fetchPage;
    this.#params = params;
    this.#options = options;
  }

  /** Yields one page at a time until `nextCursor` is null. */
  async *pages(): AsyncGenerator<TaskList, void, undefined> {
    let cursor = this.#params.cursor;
    do {
      const page = await this.#fetchPage({ ...this.#params, cursor }, this.#options);
      yield page;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** Yields every task across all pages. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Task, void, undefined> {
    for await (const page of this.pages()) yield* page.tasks;
  }
}
