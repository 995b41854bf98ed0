/**
 * Run as a separate Node process by media-process.test.ts: starts a long ffmpeg through the runner,
 * prints its pid, and waits to be SIGKILLed. The marker in ffmpeg's arguments lets the test find
 * any survivor.
 */
import { runMediaProcess } from '../../src/modules/media/media-process.ts';

const marker = process.argv[2] ?? 'vidforge-orphan-test';
runMediaProcess(
  'ffmpeg',
  [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc2=s=64x64:r=10'],
    ...['-t', '120', '-metadata', `title=${marker}`, '-f', 'null', '-'],
  ],
  { timeoutMs: 120_000, onSpawn: (pid) => process.stdout.write(`${pid}\n`) },
).catch(() => {});
