/**
 * The server side of the `vidforge` binary, run as a child process: first run, bootstrap settings,
 * and every endpoints/keys admin command with --json output and exit codes.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer } from '../../server/test/process/child-server.ts';
import { tempDir } from '../../server/test/support/index.ts';
import { runCli } from './support/run-cli.ts';

const dirs: { remove(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of dirs) await d.remove();
});

async function dataDir() {
  const dir = await tempDir();
  dirs.push(dir);
  return dir.path;
}

const vidforge = (args: string[], env: Record<string, string>) => runCli(args, { env: { ...process.env, ...env } });

describe('vidforge serve, first run', () => {
  it('creates its data, one endpoint and one key, and prints a curl command that works', async () => {
    const dir = await dataDir();
    const server = await spawnServer({ VIDFORGE_DATA_DIR: dir, VIDFORGE_WORKERS: '0', VIDFORGE_LOG_LEVEL: 'silent' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const out = server.output();
      expect(out).toContain(`basePath      ${server.url}/v1/ai`);
      expect(out).toContain(`Web console: ${server.url}/ `);
      const endpoint = /endpointPath {2}([A-Za-z0-9]{16})/.exec(out)?.[1];
      const key = /AccessKey {5}(vf_[A-Za-z0-9_-]{43})/.exec(out)?.[1];
      expect(endpoint).toBeDefined();
      expect(key).toBeDefined();
      const curl = out.slice(out.indexOf('  curl -X POST')).split('\n\n')[0]!;
      const { stdout } = await promisify(execFile)('bash', ['-c', `${curl} --silent`]);
      expect(JSON.parse(stdout).taskId).toMatch(/^[0-9a-v]{10}[A-Za-z0-9_-]{22}$/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    // Second run: nothing new is created and the key is not shown again.
    const again = await spawnServer({ VIDFORGE_DATA_DIR: dir, VIDFORGE_WORKERS: '0', VIDFORGE_LOG_LEVEL: 'silent' });
    await new Promise((r) => setTimeout(r, 100));
    again.child.kill('SIGTERM');
    await again.exited;
    expect(again.output()).not.toMatch(/vf_[A-Za-z0-9_-]{43}/);
    expect(again.output()).toContain('shown only when created');
    const keys = JSON.parse((await vidforge(['keys', 'list', '--json'], { VIDFORGE_DATA_DIR: dir })).stdout);
    expect(keys).toHaveLength(1);
  });

  it('uses VIDFORGE_BOOTSTRAP_ENDPOINT and VIDFORGE_BOOTSTRAP_KEY on an empty database', async () => {
    const dir = await dataDir();
    const key = 'RWxxxxxxxx0Gd-operator-chosen';
    const server = await spawnServer({
      VIDFORGE_DATA_DIR: dir,
      VIDFORGE_WORKERS: '0',
      VIDFORGE_BOOTSTRAP_ENDPOINT: 'LPUqHEAjfonOmohV',
      VIDFORGE_BOOTSTRAP_KEY: key,
    });
    try {
      const response = await fetch(`${server.url}/v1/ai/LPUqHEAjfonOmohV/video/tasks`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(response.status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('refuses to start with bad settings, naming every one (exit 3)', async () => {
    const result = await vidforge(['serve'], {
      VIDFORGE_PORT: 'x',
      VIDFORGE_WORKERS: '999',
      VIDFORGE_FETCH_ALLOW: '300.1.1.1/99',
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('VIDFORGE_PORT');
    expect(result.stderr).toContain('VIDFORGE_WORKERS');
    expect(result.stderr).toContain('VIDFORGE_FETCH_ALLOW');
  });
});

describe('vidforge endpoints and keys', () => {
  it('create, list, grant, revoke and delete with --json', async () => {
    const env = { VIDFORGE_DATA_DIR: await dataDir() };
    const created = await vidforge(['endpoints', 'create', '--name', 'marketing', '--json'], env);
    expect(created.code).toBe(0);
    const endpoint = JSON.parse(created.stdout);
    expect(endpoint).toMatchObject({ engine: 'preview', name: 'marketing' });
    expect(endpoint.path).toMatch(/^[A-Za-z0-9]{16}$/);

    const fixed = JSON.parse(
      (await vidforge(['endpoints', 'create', '--path', 'my-endpoint', '--settings', '{"a":1}', '--json'], env)).stdout,
    );
    expect(fixed).toMatchObject({ path: 'my-endpoint', settings: { a: 1 } });
    expect((await vidforge(['endpoints', 'create', '--path', 'my-endpoint'], env)).code).toBe(1);

    const key = JSON.parse(
      (await vidforge(['keys', 'create', '--name', 'alice', '--endpoint', endpoint.path, '--json'], env)).stdout,
    );
    expect(key.key).toMatch(/^vf_[A-Za-z0-9_-]{43}$/);
    expect(key.endpointIds).toEqual([endpoint.id]);

    const granted = JSON.parse((await vidforge(['keys', 'grant', key.id, 'my-endpoint', '--json'], env)).stdout);
    expect(granted.endpointPath).toBe('my-endpoint');

    const listed = JSON.parse((await vidforge(['keys', 'list', '--json'], env)).stdout);
    expect(listed).toHaveLength(1);
    expect(listed[0].endpointIds.sort()).toEqual([endpoint.id, fixed.id].sort());
    expect(JSON.stringify(listed)).not.toContain(key.key);
    expect(listed[0].prefix.length).toBeLessThan(16);

    const table = await vidforge(['keys', 'list'], env);
    expect(table.stdout).toMatch(/^ID\s+PREFIX\s+NAME/);
    expect(table.stdout).not.toContain(key.key);

    expect(JSON.parse((await vidforge(['keys', 'revoke', key.id, '--json'], env)).stdout)).toEqual({ revoked: key.id });
    expect(JSON.parse((await vidforge(['keys', 'list', '--json'], env)).stdout)[0].revokedAt).toEqual(
      expect.any(Number),
    );
    expect((await vidforge(['keys', 'revoke', key.id], env)).code).toBe(0);
    expect((await vidforge(['keys', 'revoke', 'no-such-key'], env)).code).toBe(1);
    // Ids are base64url: one that starts with "-" is still an id, not an unknown flag (exit 2).
    const dashed = await vidforge(['keys', 'revoke', '-Xq3kS9aPd0bT1'], env);
    expect(dashed.code).toBe(1);
    expect(dashed.stderr).toMatch(/-Xq3kS9aPd0bT1/);
    const dashedGrant = await vidforge(['keys', 'grant', '-Xq3kS9aPd0bT1', 'my-endpoint'], env);
    expect(dashedGrant.stderr).toMatch(/key with id "-Xq3kS9aPd0bT1"/);

    const deleted = JSON.parse((await vidforge(['endpoints', 'delete', 'my-endpoint', '--json'], env)).stdout);
    expect(deleted.deleted.id).toBe(fixed.id);
    const endpoints = JSON.parse((await vidforge(['endpoints', 'list', '--json'], env)).stdout);
    expect(endpoints.map((e: { path: string }) => e.path)).toEqual([endpoint.path]);
  }, 120_000); // a dozen admin commands, each loading the server's modules: 2–3 s apiece on a busy machine

  it('answers bad usage with exit code 2 and a message', async () => {
    const env = { VIDFORGE_DATA_DIR: await dataDir() };
    for (const args of [
      ['endpoints'],
      ['endpoints', 'create', '--nope'],
      ['keys', 'grant', 'x'],
      ['keys', 'revoke'],
      ['frobnicate'],
      ['endpoints', 'create', '--settings', '[1]'],
    ]) {
      const result = await vidforge(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.length).toBeGreaterThan(0);
    }
    const unknownEngine = await vidforge(['endpoints', 'create', '--engine', 'sora'], env);
    expect(unknownEngine.code).toBe(1);
    expect(unknownEngine.stderr).toContain('Unknown engine "sora"');
    const badPath = await vidforge(['endpoints', 'create', '--path', 'a/b'], env);
    expect(badPath.stderr).toMatch(/4\.\.64 characters/);
  }, 120_000); // a dozen admin commands, each loading the server's modules: 2–3 s apiece on a busy machine
});
