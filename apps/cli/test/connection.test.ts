/** Where client commands connect: flag > environment > profile, and which problems are config errors. */
import { tempDir } from '@vidforge/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError, EXIT } from '../src/cli-error.ts';
import { resolveConnection } from '../src/client/connection.ts';
import { profilePath, writeProfiles } from '../src/client/profile-file.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let env: NodeJS.ProcessEnv;
const profile = { baseUrl: 'http://profile:1/v1/ai', endpoint: 'profile-endpoint', accessKey: 'profile-key' };

beforeAll(async () => {
  dir = await tempDir('vidforge-cli-conn-');
  env = { XDG_CONFIG_HOME: dir.path };
  await writeProfiles(profilePath(env), {
    profiles: { default: profile, other: { ...profile, endpoint: 'other-ep' } },
  });
});
afterAll(() => dir.remove());

async function configError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CliError);
  expect((error as CliError).exitCode).toBe(EXIT.config);
  return (error as Error).message;
}

describe('resolveConnection', () => {
  it('takes each value from the flag, else the environment, else the profile', async () => {
    expect(await resolveConnection({}, env)).toEqual({
      baseUrl: profile.baseUrl,
      endpoint: profile.endpoint,
      accessKey: profile.accessKey,
    });
    const fromEnv = { ...env, VIDFORGE_ENDPOINT: 'env-endpoint', VIDFORGE_ACCESS_KEY: 'env-key' };
    expect(await resolveConnection({ key: 'flag-key' }, fromEnv)).toEqual({
      baseUrl: profile.baseUrl,
      endpoint: 'env-endpoint',
      accessKey: 'flag-key',
    });
  });

  it('uses a named profile, and an explicitly named one must exist', async () => {
    expect((await resolveConnection({ profile: 'other' }, env)).endpoint).toBe('other-ep');
    expect((await resolveConnection({}, { ...env, VIDFORGE_PROFILE: 'other' })).endpoint).toBe('other-ep');
    expect(await configError(resolveConnection({ profile: 'nope' }, env))).toMatch(/no profile "nope"/);
  });

  it('needs no profile file when flags and environment say it all', async () => {
    const bare = { XDG_CONFIG_HOME: `${dir.path}/empty`, VIDFORGE_BASE_URL: 'https://api.example.com/v1/ai/' };
    const connection = await resolveConnection({ endpoint: 'ep', key: 'k' }, bare);
    expect(connection.baseUrl).toBe('https://api.example.com/v1/ai/');
  });

  it('names everything missing, and rejects a base URL that is not http(s)', async () => {
    const message = await configError(resolveConnection({}, { XDG_CONFIG_HOME: `${dir.path}/empty` }));
    expect(message).toMatch(/the base URL .*the endpoint .*the access key/);
    expect(await configError(resolveConnection({ 'base-url': 'ftp://x/v1/ai' }, env))).toMatch(/not an http\(s\) URL/);
  });
});
