import { Vidforge } from '@vidforge/sdk/node';

const client = new Vidforge({
  baseUrl: process.env.VIDFORGE_BASE_URL ?? 'http://localhost:8080/v1/ai',
  endpointPath: process.env.VIDFORGE_ENDPOINT ?? 'YOUR_ENDPOINT_PATH',
  accessKey: process.env.VIDFORGE_ACCESS_KEY ?? 'YOUR_ACCESS_KEY',
});

// Submit, then poll until SUCCESS; the promise rejects on FAIL or after 30 minutes.
const task = await client.generateAndWait(
  { prompt: 'A sunset over the ocean', settings: { duration: 4, aspectRatio: '16:9' } },
  { onProgress: (t) => console.log(`${t.status} ${Math.round(t.progress * 100)}%`) },
);
console.log(`${task.video?.width}x${task.video?.height}, seed ${task.seed}`);

// Streams to disk; an expired media URL is refreshed automatically.
const { path, bytes } = await client.downloadMedia(task, 'sunset.mp4');
console.log(`saved ${bytes} bytes to ${path}`);
