/** `vidforge login` writes a private profile file that client commands fall back on; the key is never shown. */
import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestServer, type TestServer, tempDir } from '@vidforge/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli-error.ts';
import { baseEnv, type CliResult, runCli } from './support/run-cli.ts';

let server: TestServer;
let dir: Awaited<ReturnType<typeof tempDir>>;
let env: Record<string, string | undefined>;
const outputs: CliResult[] = [];

beforeAll(async () => {
  server = await startTestServer();
  dir = await tempDir('vidforge-cli-login-');
  env = baseEnv(dir.path);
});
afterAll(async () => {
  for (const result of outputs) expect(result.stdout + result.stderr).not.toContain(server.key);
  await server.stop();
  await dir.remove();
});

async function vidforge(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  const result = await runCli(args, { env: { ...env, ...options.env }, input: options.input });
  outputs.push(result);
  return result;
}

const PROFILE_FILE = () => join(dir.path, 'vidforge', 'config.json');

describe('vidforge login', () => {
  it('verifies the key, saves the profile with mode 0600, and the key is not printed', async () => {
    const result = await vidforge(['login', '--base-url', `${server.basePath}/`, '--endpoint', server.endpointPath], {
      input: `${server.key}\n`,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      profile: 'default',
      path: PROFILE_FILE(),
      baseUrl: server.basePath,
      endpoint: server.endpointPath,
    });
    expect((await stat(PROFILE_FILE())).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir.path, 'vidforge'))).mode & 0o777).toBe(0o700);
    const saved = JSON.parse(await readFile(PROFILE_FILE(), 'utf8'));
    expect(saved.profiles.default).toEqual({
      baseUrl: server.basePath,
      endpoint: server.endpointPath,
      accessKey: server.key,
    });

    // Client commands now need no flags or environment.
    const list = await vidforge(['list', '--limit', '1']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toHaveProperty('tasks');
  });

  it('refuses a wrong key (exit 4) without saving it', async () => {
    const result = await vidforge(
      ['login', '--profile', 'bad', '--base-url', server.basePath, '--endpoint', server.endpointPath],
      { input: 'wrong-key\n' },
    );
    expect(result.code).toBe(EXIT.auth);
    const saved = JSON.parse(await readFile(PROFILE_FILE(), 'utf8'));
    expect(saved.profiles.bad).toBeUndefined();
  });

  it('named profiles: --profile and VIDFORGE_PROFILE; an unknown one is a config error; logout removes', async () => {
    const login = await vidforge(['login', '--profile', 'staging', '--no-verify'], {
      env: {
        VIDFORGE_BASE_URL: server.basePath,
        VIDFORGE_ENDPOINT: server.endpointPath,
        VIDFORGE_ACCESS_KEY: server.key,
      },
    });
    expect(login.code).toBe(0);
    expect((await vidforge(['list', '--profile', 'staging'])).code).toBe(0);
    expect((await vidforge(['list'], { env: { VIDFORGE_PROFILE: 'staging' } })).code).toBe(0);

    const missing = await vidforge(['list', '--profile', 'nope']);
    expect(missing.code).toBe(EXIT.config);
    expect(missing.stderr).toMatch(/no profile "nope"/);

    expect(JSON.parse((await vidforge(['logout', '--profile', 'staging'])).stdout)).toEqual({
      profile: 'staging',
      removed: true,
    });
    expect((await vidforge(['list', '--profile', 'staging'])).code).toBe(EXIT.config);
  });

  it('warns when the profile file is readable by others', async () => {
    await chmod(PROFILE_FILE(), 0o644);
    const result = await vidforge(['list', '--limit', '1']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/readable by others; chmod 600/);
    await chmod(PROFILE_FILE(), 0o600);
  });
});
