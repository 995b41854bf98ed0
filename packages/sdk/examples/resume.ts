import { TaskFailedError, TimeoutError, Vidforge } from '@vidforge/sdk';

const client = new Vidforge({
  baseUrl: process.env.VIDFORGE_BASE_URL ?? 'http://localhost:8080/v1/ai',
  endpointPath: process.env.VIDFORGE_ENDPOINT ?? 'YOUR_ENDPOINT_PATH',
  accessKey: process.env.VIDFORGE_ACCESS_KEY ?? 'YOUR_ACCESS_KEY',
});

// A key derived from your own record: running this again returns the same task, never a second one.
const idempotencyKey = 'order-1234-video';
const { taskId } = await client.generate({ prompt: 'A paper boat on a stream' }, { idempotencyKey });
// Store taskId next to your order now: if this process dies, waitForTask(taskId) picks it up again.

try {
  const task = await client.waitForTask(taskId, { timeoutMs: 10 * 60_000 });
  console.log(`done: ${task.mediaUrl}`);
} catch (error) {
  if (error instanceof TimeoutError) {
    console.log(`still ${error.lastTask?.status}; resume later with waitForTask('${error.taskId}')`);
  } else if (error instanceof TaskFailedError) {
    console.error(`task failed with ${error.code}: ${error.message}`);
  } else {
    throw error;
  }
}
