/**
 * The media metrics through the real code that feeds them: the safe fetcher downloading from a
 * local server (bytes and result of each download, the ffprobe run of its inspection) and
 * runMediaProcess (wall time per ffmpeg/ffprobe run, by outcome), read back from the registry's
 * text output.
 */
import { readFile, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMediaConfig } from '../../src/modules/media/media.config.ts';
import { runMediaProcess } from '../../src/modules/media/media-process.ts';
import { createSafeFetcher } from '../../src/modules/media/safe-fetcher.ts';
import { createMetrics, type Metrics } from '../../src/modules/metrics/index.ts';
import { engineFailure, type Fixtures, makeFixtures } from '../media/fixtures.ts';
import { type HostileServer, serveBytes, startHostileServer } from '../media/hostile-server.ts';
import { parsePrometheusText } from '../support/prometheus-text.ts';
import { tempDir } from '../support/temp-dir.ts';

let fixtures: Fixtures;
let work: { path: string; remove(): Promise<void> };
let server: HostileServer;

beforeAll(async () => {
  [fixtures, work, server] = await Promise.all([makeFixtures(), tempDir(), startHostileServer()]);
  server.route('/photo.png', serveBytes(new Uint8Array(await readFile(fixtures.png))));
  server.route('/missing.png', (_req, res) => res.writeHead(404).end('gone'));
  server.route('/text.png', serveBytes('not a picture at all, just some words\n'.repeat(8)));
});

afterAll(async () => {
  await Promise.all([server.close(), fixtures.remove(), work.remove()]);
});

const scrape = async (metrics: Metrics) => parsePrometheusText(await metrics.registry.metrics());

describe('source downloads', () => {
  it('count the bytes that arrived and each result, and time the inspection', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const fetcher = createSafeFetcher({
      ...parseMediaConfig({ fetchAllow: `127.0.0.1:${server.port}` }),
      observer: metrics.fetches,
    });
    const fetch = (path: string) =>
      fetcher.fetch(`${server.origin}${path}`, 'image', work.path, new AbortController().signal);

    const source = await fetch('/photo.png');
    expect((await engineFailure(fetch('/missing.png'))).code).toBe('SOURCE_FETCH_FAILED');
    expect((await engineFailure(fetch('/text.png'))).code).toBe('SOURCE_UNSUPPORTED');

    const s = await scrape(metrics);
    const png = (await stat(fixtures.png)).size;
    expect(source.size).toBe(png);
    // The refused text body counts too: those bytes were downloaded.
    expect(s.value('vidforge_source_fetch_bytes_total', { kind: 'image' })).toBeGreaterThan(png);
    expect(s.value('vidforge_source_fetches_total', { kind: 'image', result: 'ok' })).toBe(1);
    expect(s.value('vidforge_source_fetches_total', { kind: 'image', result: 'SOURCE_FETCH_FAILED' })).toBe(1);
    expect(s.value('vidforge_source_fetches_total', { kind: 'image', result: 'SOURCE_UNSUPPORTED' })).toBe(1);
    const probes = { tool: 'ffprobe', purpose: 'probe-source', outcome: 'ok' };
    expect(s.value('vidforge_ffmpeg_run_duration_seconds_count', probes)).toBe(1);
    expect(s.value('vidforge_ffmpeg_run_duration_seconds_sum', probes)).toBeGreaterThan(0);
  });
});

describe('ffmpeg runs', () => {
  it('are timed by tool, purpose and outcome', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const options = { timeoutMs: 10_000, observe: metrics.processes };
    await runMediaProcess('ffmpeg', ['-hide_banner', '-version'], { ...options, purpose: 'check' });
    await expect(runMediaProcess('ffmpeg', ['-no-such-option'], { ...options, purpose: 'encode' })).rejects.toThrow();
    await expect(
      runMediaProcess('ffmpeg', ['-f', 'lavfi', '-i', 'nullsrc', '-f', 'null', '-'], { ...options, timeoutMs: 300 }),
    ).rejects.toThrow(/did not finish/);
    const aborted = new AbortController();
    const running = runMediaProcess('ffmpeg', ['-f', 'lavfi', '-i', 'nullsrc', '-f', 'null', '-'], {
      ...options,
      purpose: 'encode',
      signal: aborted.signal,
      onSpawn: () => setTimeout(() => aborted.abort(new Error('stop')), 50),
    });
    await expect(running).rejects.toThrow('stop');

    const s = await scrape(metrics);
    const count = (labels: Record<string, string>) =>
      s.value('vidforge_ffmpeg_run_duration_seconds_count', { tool: 'ffmpeg', ...labels });
    expect(count({ purpose: 'check', outcome: 'ok' })).toBe(1);
    expect(count({ purpose: 'encode', outcome: 'failed' })).toBe(1);
    expect(count({ purpose: 'other', outcome: 'timeout' })).toBe(1);
    expect(count({ purpose: 'encode', outcome: 'aborted' })).toBe(1);
    // The timed-out run lasted at least its timeout; it sits in no bucket below 0.25 s.
    expect(
      s.value('vidforge_ffmpeg_run_duration_seconds_bucket', { purpose: 'other', outcome: 'timeout', le: '0.25' }),
    ).toBe(0);
  });
});
