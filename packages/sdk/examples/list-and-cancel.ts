import { Vidforge } from '@vidforge/sdk';

const client = new Vidforge({
  baseUrl: process.env.VIDFORGE_BASE_URL ?? 'http://localhost:8080/v1/ai',
  endpointPath: process.env.VIDFORGE_ENDPOINT ?? 'YOUR_ENDPOINT_PATH',
  accessKey: process.env.VIDFORGE_ACCESS_KEY ?? 'YOUR_ACCESS_KEY',
});

// Every task, newest first; pages of 50 are fetched as the loop goes.
let succeeded = 0;
for await (const task of client.listTasks({ limit: 50 })) {
  if (task.status === 'SUCCESS') succeeded++;
}
console.log(`${succeeded} finished videos`);

// Cancel whatever is still waiting in the queue (they end as FAIL with code CANCELLED).
for await (const page of client.listTasks({ status: 'PENDING' }).pages()) {
  for (const task of page.tasks) await client.cancelTask(task.taskId);
  console.log(`cancelled ${page.tasks.length}`);
}
