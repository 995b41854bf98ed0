/**
 * Media speed: preview-engine tasks end to end (submit → SUCCESS), each against a replay of the
 * ffmpeg encode(s) the server ran for it (see ffmpeg-recorder.ts), so the ratio is the overhead of
 * the pipeline around ffmpeg: queueing, the source fetch and its checks, probing, progress, storing
 * the result. Neither side is pinned: ffmpeg gets both cores, as in production.
 */
import { join } from 'node:path';
import { type BenchContext, pick, scratchDir } from '../support/context.ts';
import { createFfmpegRecorder, replay } from '../support/ffmpeg-recorder.ts';
import { serveFiles } from '../support/file-server.ts';
import { requestJson } from '../support/http.ts';
import { type ClipSpec, makeClip } from '../support/media-files.ts';
import { startVidforge } from '../support/servers.ts';
import { median, nowMs } from '../support/stats.ts';
import type { Family, Row } from '../support/table.ts';
import { openTaskDb, waitUntil } from '../support/task-db.ts';

interface MediaCase {
  label: string;
  route: 'generate' | 'upscale' | 'extend';
  body: Record<string, unknown>;
}

export async function mediaFamily(ctx: BenchContext): Promise<Family> {
  const repeats = pick(ctx, 3, 1);
  const clip: ClipSpec = pick(ctx, { width: 1280, height: 720, seconds: 4 }, { width: 640, height: 360, seconds: 1 });
  const durations = pick(ctx, [2, 4, 8], [2]);
  const extendBy = pick(ctx, 4, 2);
  const clipLabel = `${clip.seconds} s ${clip.height}p`;

  const sources = await scratchDir(ctx, 'media-sources');
  await makeClip(join(sources, 'clip.mp4'), clip);
  const files = await serveFiles(sources);
  const sourceVideo = `${files.url}/clip.mp4`;
  const recorder = await createFfmpegRecorder(await scratchDir(ctx, 'ffmpeg'));
  const server = await startVidforge(ctx, {
    dataDir: await scratchDir(ctx, 'media'),
    cpus: null,
    env: { VIDFORGE_WORKERS: '1', VIDFORGE_FETCH_ALLOW: files.hostPort, VIDFORGE_FFMPEG: recorder.wrapper },
  });
  const db = openTaskDb(server.dbFile);

  const cases: MediaCase[] = [
    ...durations.map((duration) => ({
      label: `generate ${duration} s 16:9 (1280×720)`,
      route: 'generate' as const,
      body: { prompt: 'A lighthouse on a cliff at dusk', settings: { duration, aspectRatio: '16:9', seed: 7 } },
    })),
    { label: `upscale ${clipLabel} (2×)`, route: 'upscale', body: { config: { sourceVideo } } },
    {
      label: `extend ${clipLabel} by ${extendBy} s`,
      route: 'extend',
      body: {
        prompt: 'the camera drifts on',
        config: { sourceVideo, extendDuration: extendBy },
        settings: { seed: 7 },
      },
    },
  ];
  const rows: Row[] = [];
  try {
    for (const c of cases) {
      const ours: number[] = [];
      const plain: number[] = [];
      const overhead: number[] = [];
      for (let i = 0; i < repeats; i++) {
        ctx.log(`media: ${c.label} (${i + 1}/${repeats})`);
        const t0 = nowMs();
        const r = await requestJson('POST', `${server.previewBase}/video/${c.route}`, c.body, server.headers);
        if (r.status !== 200) throw new Error(`${c.label}: submit ${r.status} ${JSON.stringify(r.body)}`);
        const id: string = r.body.taskId;
        await waitUntil(() => ['SUCCESS', 'FAIL'].includes(db.status(id) ?? ''), 300_000, c.label, 5);
        ours.push((nowMs() - t0) / 1000);
        if (db.status(id) !== 'SUCCESS') {
          const task = await requestJson('GET', `${server.previewBase}/video/tasks/${id}`, undefined, server.headers);
          throw new Error(`${c.label}: the task failed: ${JSON.stringify(task.body.error)}`);
        }
        const encodes = await recorder.take();
        if (encodes.length === 0) throw new Error(`${c.label}: no ffmpeg encode was recorded`);
        overhead.push(ours.at(-1)! - encodes.reduce((sum, e) => sum + e.seconds, 0));
        let seconds = 0;
        for (const encode of encodes) seconds += await replay(encode);
        plain.push(seconds);
      }
      rows.push(
        { case: c.label, metric: 'wall time', unit: 's', value: median(ours), baseline: median(plain) },
        // Same run, so steady however busy the machine: everything but ffmpeg's own time.
        { case: c.label, metric: 'outside ffmpeg', unit: 's', value: median(overhead), baseline: null },
      );
    }
  } finally {
    db.close();
    await Promise.all([server.stop(), files.close()]);
  }
  return {
    id: 'media',
    title: 'Media speed',
    baseline: 'the same ffmpeg command(s) the server ran for the task, replayed by hand',
    rows,
    notes: [
      `median of ${repeats} run(s) each; Vidforge = submit to SUCCESS with 1 worker; sources ` +
        `(${clip.width}×${clip.height}, ${clip.seconds} s, H.264) fetched from a loopback server; "outside ffmpeg" = ` +
        'that time minus the encode(s) timed inside the server (includes the recording wrapper, a few ms)',
    ],
  };
}
