/**
 * `vidforge keys create|update --rate/--poll-rate/--concurrency` and `keys list`, run as a child
 * process against a data directory: limits stored and shown, malformed values refused with a clear
 * usage error before anything is written. (The flags alone: keys-limit-flags.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../server/test/support/index.ts';
import { runCli } from './support/run-cli.ts';

const dirs: { remove(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of dirs) await d.remove();
});

const vidforge = (args: string[], env: Record<string, string>) => runCli(args, { env: { ...process.env, ...env } });

describe('vidforge keys with limits', () => {
  it('creates, updates and lists limits; a malformed value writes nothing', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const env = { VIDFORGE_DATA_DIR: dir.path };
    const created = await vidforge(['keys', 'create', '--rate', '60/min', '--concurrency', '4', '--json'], env);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key.limits).toEqual({ rate: { count: 60, windowSeconds: 60 }, pollRate: null, concurrency: 4 });

    const updated = await vidforge(['keys', 'update', key.id, '--poll-rate', '600/min', '--rate', 'default'], env);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toBe(`Key ${key.id}: rate default, poll rate 600/min, concurrency 4\n`);

    const table = await vidforge(['keys', 'list'], env);
    expect(table.stdout).toMatch(/RATE\s+POLL RATE\s+CONCURRENCY/);
    expect(table.stdout).toMatch(/default\s+600\/min\s+4/);

    const bad = await vidforge(['keys', 'create', '--name', 'bad', '--rate', '60/fortnight'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--rate: "60\/fortnight" is not a rate/);
    const badUpdate = await vidforge(['keys', 'update', key.id, '--concurrency', 'lots'], env);
    expect(badUpdate.code).toBe(2);
    expect((await vidforge(['keys', 'update', key.id], env)).stderr).toMatch(/at least one of --rate/);
    expect((await vidforge(['keys', 'update', 'no-such-key', '--rate', '1/s'], env)).code).toBe(1);
    const listed = JSON.parse((await vidforge(['keys', 'list', '--json'], env)).stdout);
    expect(listed).toHaveLength(1);
    expect(listed[0].limits.concurrency).toBe(4);
  });
});
