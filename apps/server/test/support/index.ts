export { type Fixtures, ffmpeg, makeFixtures } from '../media/fixtures.ts';
export { shiftableClock } from './clock.ts';
export { addRunner, addRunnerEndpoint, listRunners, revokeRunner, runnerCall } from './runners.ts';
export { openTestS3BlobStore, s3Env, startTestS3, type TestS3 } from './s3-server.ts';
export { type ApiResponse, FAST_SETTINGS, pollTask, startTestServer, type TestServer } from './server.ts';
export { tempDir } from './temp-dir.ts';
