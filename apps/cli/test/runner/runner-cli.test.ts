/**
 * `vidforge runners create | list | revoke` and the `vidforge runner` command's own failures (bad
 * flags, a revoked token, an unreachable server), as real processes.
 */
import { createServer } from 'node:net';
import { addRunner, revokeRunner, startTestServer, type TestServer } from '@vidforge/server/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli-error.ts';
import { runCli } from '../support/run-cli.ts';
import { admin, childEnv, eventually, killAll, spawnRunner } from './support.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_WORKERS: '0' } });
});
afterEach(killAll);
afterAll(async () => {
  await server?.stop();
});

const TOKEN = /^vfr_[A-Za-z0-9_-]{43}$/;

describe('vidforge runners', () => {
  it('create (--json, then for people), list (--json and table), revoke', async () => {
    const [created, human] = await Promise.all([
      admin(server, [
        'runners',
        'create',
        '--name',
        'gpu-01',
        '--engines',
        'preview,wan2.2',
        '--operations',
        'generate,extend',
        '--concurrency',
        '2',
        '--json',
      ]),
      admin(server, ['runners', 'create', '--engines', 'preview']),
    ]);
    expect(created.code).toBe(0);
    const runner = JSON.parse(created.stdout);
    expect(runner).toMatchObject({
      name: 'gpu-01',
      engines: ['preview', 'wan2.2'],
      operations: ['generate', 'extend'],
      concurrency: 2,
      lastSeenAt: null,
      revokedAt: null,
      running: [],
    });
    expect(runner.token).toMatch(TOKEN);
    expect(runner.token.startsWith(runner.tokenPrefix)).toBe(true);

    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /^Created runner \S+ \(engines preview; operations generate,upscale,extend; concurrency 1\)/,
    );
    const shown = /\n {2}(vfr_\S+)\n/.exec(human.stdout)?.[1];
    expect(shown).toMatch(TOKEN);
    expect(human.stdout).toContain('Shown once');

    const [listing, tabled] = await Promise.all([
      admin(server, ['runners', 'list', '--json']),
      admin(server, ['runners', 'list']),
    ]);
    const listed = JSON.parse(listing.stdout);
    expect(listed.map((r: { id: string }) => r.id)).toContain(runner.id);
    // The token is never listed, only its prefix.
    expect(JSON.stringify(listed)).not.toContain(runner.token);

    const table = tabled.stdout.split('\n');
    expect(table[0]).toMatch(/^ID +NAME +ENGINES +OPERATIONS +CONCURRENCY +LAST SEEN +RUNNING$/);
    expect(table.find((line) => line.startsWith(runner.id))).toMatch(
      /gpu-01 +preview,wan2\.2 +generate,extend +2 +never +-$/,
    );

    const revoked = await admin(server, ['runners', 'revoke', runner.id, '--json']);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout).revoked).toMatchObject({ id: runner.id, revokedAt: expect.any(Number) });
    const [after, unknown] = await Promise.all([
      admin(server, ['runners', 'list']),
      admin(server, ['runners', 'revoke', 'no-such-runner']),
    ]);
    expect(after.stdout).toMatch(new RegExp(`${runner.id} +gpu-01 \\(revoked\\)`));
    expect(unknown.code).toBe(EXIT.failure);
    expect(unknown.stderr).toContain('no-such-runner');
  });

  it('bad flags are usage errors (exit 2) with a message naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['runners', 'create'], /needs --engines/],
      [['runners', 'create', '--engines', 'Bad Family'], /--engines: "Bad Family" is not an engine family name/],
      [
        ['runners', 'create', '--engines', 'preview', '--operations', 'paint'],
        /--operations: "paint" is not an operation/,
      ],
      [['runners', 'create', '--engines', 'preview', '--concurrency', '1.5'], /--concurrency: must be a whole number/],
      [['runners', 'revoke'], /needs a runner id/],
      [['runners', 'frobnicate'], /usage:/],
      [['endpoints', 'create', '--engine', 'preview', '--family', 'x'], /--family is for --engine runner/],
    ];
    const results = await Promise.all(cases.map(([args]) => admin(server, args)));
    results.forEach((result, i) => {
      expect(result.code, cases[i]![0].join(' ')).toBe(EXIT.usage);
      expect(result.stderr).toMatch(cases[i]![1]);
    });
  });

  it('endpoints create --family makes a runner endpoint', async () => {
    const result = await admin(server, ['endpoints', 'create', '--family', 'ltx-video', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ engine: 'runner', settings: { family: 'ltx-video' } });
  });
});

describe('vidforge runner, failing to start', () => {
  const runner = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCli(['runner', ...args], { env: childEnv(env) });

  it('bad flags are usage errors (exit 2) with a message naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [[], /needs --server URL/],
      [['--server', 'ftp://example.com'], /--server: the server URL must use http or https/],
      [['--server', 'http://127.0.0.1:9', '--concurrency', '0'], /--concurrency: must be a whole number from 1 to 64/],
      [['--server', 'http://127.0.0.1:9', '--engines', 'a,,b'], /--engines: give a comma-separated list/],
      [['--server', 'http://127.0.0.1:9', '--operations', 'generate,render'], /"render" is not an operation/],
      [['--server', 'http://127.0.0.1:9', '--grace', 'soon'], /--grace: must be a whole number/],
      [['--server', 'http://127.0.0.1:9', '--bogus'], /unknown flag --bogus \(see --help\)/],
    ];
    const results = await Promise.all(cases.map(([args]) => runner(args, { VIDFORGE_RUNNER_TOKEN: 'vfr_x' })));
    results.forEach((result, i) => {
      expect(result.code, cases[i]![0].join(' ')).toBe(EXIT.usage);
      expect(result.stderr).toMatch(cases[i]![1]);
    });
  });

  it('without a token: configuration error (exit 3)', async () => {
    const result = await runner(['--server', server.url]);
    expect(result.code).toBe(EXIT.config);
    expect(result.stderr).toContain('VIDFORGE_RUNNER_TOKEN');
  });

  it('with a revoked token: exits with the auth code and says why', async () => {
    const { id, token } = await addRunner(server, { engines: ['preview'] });
    await revokeRunner(server, id);
    const result = await runner(['--server', server.url], { VIDFORGE_RUNNER_TOKEN: token });
    expect(result.code).toBe(EXIT.auth);
    expect(result.stderr).toMatch(/refused the runner token .*unknown or revoked/);
    expect(result.stderr).not.toContain(token);
  });

  it('with engines the token does not allow: exits with the auth code', async () => {
    const { token } = await addRunner(server, { engines: ['preview'] });
    const result = await runner(['--server', server.url, '--engines', 'wan2.2'], { VIDFORGE_RUNNER_TOKEN: token });
    expect(result.code).toBe(EXIT.auth);
    expect(result.stderr).toMatch(/refused what this runner asked for \(FORBIDDEN/);
  });

  it('an unreachable server is retried with backoff and a clear message until stopped', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const child = spawnRunner({ ...server, url: `http://127.0.0.1:${port}` }, 'vfr_x');
    await child.waitFor(/cannot reach the server at http:\/\/127\.0\.0\.1:\d+ \(NETWORK_ERROR: .*ECONNREFUSED/);
    await eventually(async () => ((child.log().match(/retrying in/g) ?? []).length >= 3 ? true : undefined), 10_000);
    child.child.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
    expect(child.log()).toContain('runner stopped');
  });
});
