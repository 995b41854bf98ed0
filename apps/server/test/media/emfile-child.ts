/**
 * Run as a separate Node process by media-process.test.ts under a low descriptor limit: uses up
 * every descriptor, then starts ffprobe through the runner. Prints the outcome; a crash of this
 * process (an 'error' event nobody listened to) shows as a non-zero exit without the line.
 */
import { openSync } from 'node:fs';
import { runMediaProcess } from '../../src/modules/media/media-process.ts';

const held: number[] = [];
try {
  for (;;) held.push(openSync('/dev/null', 'r'));
} catch {
  // EMFILE: no descriptor left for the child's pipes.
}
const outcome = await runMediaProcess('ffprobe', ['-version'], { timeoutMs: 5000 }).then(
  () => 'started',
  (error: Error & { failure?: string }) => `refused:${error.failure}:${error.message}`,
);
process.stdout.write(`${outcome}\n`);
