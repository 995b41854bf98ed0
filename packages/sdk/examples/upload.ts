import { Vidforge } from '@vidforge/sdk/node';

const client = new Vidforge({
  baseUrl: process.env.VIDFORGE_BASE_URL ?? 'http://localhost:8080/v1/ai',
  endpointPath: process.env.VIDFORGE_ENDPOINT ?? 'YOUR_ENDPOINT_PATH',
  accessKey: process.env.VIDFORGE_ACCESS_KEY ?? 'YOUR_ACCESS_KEY',
});

// A video on this machine: the server checks it like any source and keeps it until expiresAt.
const upload = await client.uploadFile(process.argv[2] ?? 'clip.mp4');
console.log(
  `uploaded ${upload.size} bytes of ${upload.contentType}, usable until ${new Date(upload.expiresAt).toISOString()}`,
);

const upscaled = await client.upscaleAndWait({ config: { sourceVideo: upload.url } });
console.log(`upscaled to ${upscaled.video?.width}x${upscaled.video?.height}`);

// A result is a source as it is: its mediaUrl needs no upload.
const extended = await client.extendAndWait({
  prompt: 'The camera keeps moving forward',
  config: { sourceVideo: upscaled.mediaUrl ?? '', extendDuration: 2 },
});
console.log(`extended to ${extended.video?.durationSeconds} s: ${extended.mediaUrl}`);
