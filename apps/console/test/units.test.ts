/** The console's pure parts, without a browser: formatting, validation, sign-in messages. */
import { AuthenticationError, ConnectionError, NotFoundError, ordinal, ServerError, type Task } from '@vidforge/sdk';
import { describe, expect, it } from 'vitest';
import { seedValue } from '../src/fields.ts';
import {
  describeQueue,
  describeRequest,
  describeSource,
  describeVideo,
  elapsedMs,
  formatDuration,
  onPageOrigin,
  percent,
  shortId,
} from '../src/format.ts';
import { isStale } from '../src/player.ts';
import { checkCredentials, signInErrorMessage } from '../src/session.ts';
import { bodyFromPaths, placeDetails, validateRequest, valueAt } from '../src/validate.ts';

describe('format', () => {
  it('tells what an upscale or extend was made from, never showing a signed URL', () => {
    const from = (sourceVideo: string) => describeSource({ request: { config: { sourceVideo } } } as Task);
    expect(from('http://127.0.0.1:8080/v1/media/nV1x3QabcDEF.mp4?exp=1&kid=k1&sig=x')).toEqual({
      kind: 'task',
      taskId: 'nV1x3QabcDEF',
    });
    expect(from('https://b.s3.eu-west-1.amazonaws.com/results/nV1x3QabcDEF/2.mp4?X-Amz-Signature=x')).toEqual({
      kind: 'task',
      taskId: 'nV1x3QabcDEF',
    });
    expect(from('http://127.0.0.1:8080/v1/videos/uploads/3xQ.mp4?exp=1&sig=x')).toEqual({ kind: 'upload' });
    expect(from('https://cdn.example.com/clips/a%20b.mp4?token=secret')).toEqual({
      kind: 'url',
      label: 'cdn.example.com/…/a b.mp4',
    });
    expect(describeSource({ request: { prompt: 'x' } } as Task)).toEqual({ kind: 'none' });
  });

  it('moves this server’s media URLs onto the page’s origin, and leaves others alone', () => {
    const signed = 'http://127.0.0.1:8080/v1/media/abc.mp4?exp=1&kid=k1&sig=x';
    expect(onPageOrigin(signed, 'http://localhost:8080')).toBe(
      'http://localhost:8080/v1/media/abc.mp4?exp=1&kid=k1&sig=x',
    );
    const s3 = 'https://b.s3.amazonaws.com/results/abc/1.mp4?X-Amz-Signature=x';
    expect(onPageOrigin(s3, 'http://localhost:8080')).toBe(s3);
  });

  it('shortens a task id to its random end: ids made in the same second begin alike', () => {
    // Two ids as the server makes them one millisecond apart: the same 10-digit time, then 22 random.
    const first = '01k98jp1mnkUdxLbNgWE5CnsY4AJyV3A';
    const second = '01k98jp1ui1bynlNSffmXX3WjmOV3iIA';
    expect(shortId(first)).toBe('Y4AJyV3A');
    expect(shortId(first)).not.toBe(shortId(second));
    expect(shortId('nV1x3QabcDEFghij')).toBe('abcDEFghij'.slice(-8));
  });

  it('formats durations, elapsed time and percentages', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(7_400)).toBe('0:07');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
    const task = { createdAt: 1_000, updatedAt: 5_000 };
    expect(elapsedMs({ ...task, status: 'IN_PROGRESS' }, 9_000)).toBe(8_000);
    expect(elapsedMs({ ...task, status: 'SUCCESS' }, 9_000)).toBe(4_000);
    expect([percent(0), percent(0.424), percent(1), percent(1.2)]).toEqual([0, 42, 100, 100]);
  });

  it('describes where a queued task waits, and warns when no runner is online', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 112].map(ordinal)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '112th',
    ]);
    const queue = { position: 3, positionIsLowerBound: false, runnerFamily: 'wan', runnersOnline: 0 };
    expect(describeQueue({ status: 'PENDING', queue })).toEqual({
      place: 'Queued: 3rd in line',
      warning: 'No runner serving wan is online; the task waits until one connects.',
    });
    expect(describeQueue({ status: 'PENDING', queue: { ...queue, runnersOnline: 2 } }).warning).toBeNull();
    expect(
      describeQueue({ status: 'PENDING', queue: { ...queue, position: 1000, positionIsLowerBound: true } }).place,
    ).toBe('Queued: 1000th or later in line');
    // An in-process engine: no runners to count.
    expect(
      describeQueue({ status: 'PENDING', queue: { ...queue, runnerFamily: null, runnersOnline: null } }).warning,
    ).toBeNull();
    expect(describeQueue({ status: 'IN_PROGRESS', queue: null })).toEqual({ place: null, warning: null });
  });

  it('describes a video and a request', () => {
    expect(describeVideo({ width: 720, height: 1280, fps: 24, durationSeconds: 4, hasAudio: false })).toBe(
      '720×1280 · 4 s · 24 fps',
    );
    expect(describeVideo({ width: 8, height: 8, fps: 29.97, durationSeconds: 2.5, hasAudio: true })).toBe(
      '8×8 · 2.50 s · 29.97 fps · audio',
    );
    expect(
      describeRequest({
        prompt: 'p',
        config: { sourceVideo: 'https://x/v.mp4', extendDuration: 2 },
        settings: { seed: 5 },
      }),
    ).toEqual([
      { path: 'prompt', label: 'Prompt', value: 'p' },
      { path: 'config.sourceVideo', label: 'Source video', value: 'https://x/v.mp4' },
      { path: 'config.extendDuration', label: 'Extend by', value: '2 s' },
      { path: 'settings.seed', label: 'Seed', value: '5' },
    ]);
  });
});

describe('validation with the contract', () => {
  it('builds bodies from field paths and reads them back', () => {
    const body = bodyFromPaths([
      ['prompt', 'a'],
      ['config.sourceImage', undefined],
      ['settings.seed', -1],
      ['settings.duration', 4],
    ]);
    expect(body).toEqual({ prompt: 'a', settings: { seed: -1, duration: 4 } });
    expect(valueAt(body, 'settings.duration')).toBe(4);
    expect(valueAt(body, 'config.sourceImage')).toBeUndefined();
  });

  it('reports the server’s paths and messages, placed on fields', () => {
    const details = validateRequest('extend', { config: { extendDuration: 3 }, settings: { seed: 1.5 } });
    expect(details.map((d) => d.path).sort()).toEqual(['config.extendDuration', 'config.sourceVideo', 'settings.seed']);
    expect(details.find((d) => d.path === 'config.extendDuration')?.message).toBe('must be one of 2, 4');
    const { byPath, unplaced } = placeDetails(['config.sourceVideo', 'settings.seed'], details);
    expect([...byPath.keys()]).toEqual(expect.arrayContaining(['config.sourceVideo', 'settings.seed']));
    expect(unplaced.map((d) => d.path)).toEqual(['config.extendDuration']);
    expect(validateRequest('upscale', { config: { sourceVideo: 'https://example.com/a.mp4' } })).toEqual([]);
  });

  it('passes a seed on as typed: numbers as numbers, anything else as text for the schema to explain', () => {
    expect(seedValue('42')).toBe(42);
    expect(seedValue(' -1 ')).toBe(-1);
    expect(seedValue('1.5')).toBe(1.5);
    expect(seedValue('abc')).toBe('abc');
    expect(validateRequest('generate', { prompt: 'a', settings: { seed: seedValue('abc') } })[0]?.path).toBe(
      'settings.seed',
    );
  });
});

describe('sign-in', () => {
  it('checks the form before sending', () => {
    expect(checkCredentials({ endpointPath: '', accessKey: '' })).toEqual({
      endpointPath: 'Enter the endpoint you were given.',
      accessKey: 'Enter your access key.',
    });
    expect(checkCredentials({ endpointPath: 'a/b', accessKey: 'k' }).endpointPath).toMatch(/4 to 64 characters/);
    expect(checkCredentials({ endpointPath: 'Q7mZp2LwX9aKd4Rt', accessKey: 'k' })).toEqual({});
  });

  it('says what went wrong', () => {
    expect(signInErrorMessage(new AuthenticationError('UNAUTHORIZED', 'x', { status: 401 }))).toMatch(
      /^Wrong access key/,
    );
    expect(signInErrorMessage(new NotFoundError('ENDPOINT_NOT_FOUND', 'x', { status: 404 }))).toMatch(
      /^Unknown endpoint, /,
    );
    expect(signInErrorMessage(new ConnectionError('CONNECTION_ERROR', 'refused'))).toMatch(/^Cannot reach/);
    expect(signInErrorMessage(new ServerError('INTERNAL_ERROR', 'boom', { status: 500 }))).toBe(
      'The server answered with an error (HTTP 500): boom',
    );
  });
});

describe('media URL freshness', () => {
  it('treats a URL within 30 s of its expiry, or none, as stale', () => {
    const task = { mediaUrl: 'http://x/v1/media/a.mp4?sig', expireTime: 100_000 } as Task;
    expect(isStale(task, 60_000)).toBe(false);
    expect(isStale(task, 70_000)).toBe(true);
    expect(isStale({ ...task, mediaUrl: null }, 0)).toBe(true);
  });
});
