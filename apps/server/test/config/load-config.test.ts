/** Configuration: defaults, file < environment, and every problem reported at once. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, defaultPublicUrl, envName, loadConfig } from '../../src/config/load-config.ts';
import { tempDir } from '../support/index.ts';

const dirs: { remove(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of dirs) await d.remove();
});

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs on defaults with no configuration at all', () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({ dataDir: './vidforge-data', host: '127.0.0.1', port: 8080 });
    expect(config.publicUrl).toBeUndefined();
  });

  it('maps settings to VIDFORGE_* names', () => {
    expect(envName('dataDir')).toBe('VIDFORGE_DATA_DIR');
    expect(envName('publicUrl')).toBe('VIDFORGE_PUBLIC_URL');
  });

  it('lets the environment override the config file', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const file = join(dir.path, 'vidforge.json');
    await writeFile(file, JSON.stringify({ port: 9000, host: '0.0.0.0', workers: 4 }));
    const config = loadConfig({
      file,
      env: { VIDFORGE_PORT: '9100', VIDFORGE_PUBLIC_URL: 'https://video.example.com/' },
    });
    expect(config).toMatchObject({ port: 9100, host: '0.0.0.0', workers: 4, publicUrl: 'https://video.example.com' });
    expect(defaultPublicUrl('0.0.0.0', 9000)).toBe('http://localhost:9000');
    expect(defaultPublicUrl('::1', 9000)).toBe('http://[::1]:9000');
  });

  it('reports every bad setting at once', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          VIDFORGE_PORT: 'eighty',
          VIDFORGE_WORKERS: '-1',
          VIDFORGE_PUBLIC_URL: 'ftp://x',
          VIDFORGE_BOOTSTRAP_ENDPOINT: 'a/b',
          VIDFORGE_BOOTSTRAP_KEY: 'short',
          VIDFORGE_ENABLE_TEST_ENGINE: 'yes',
          VIDFORGE_SQLITE_SYNCHRONOUS: 'OFF',
        },
      }),
    );
    expect(problems.join('\n')).toMatch(/VIDFORGE_PORT/);
    for (const name of [
      'WORKERS',
      'PUBLIC_URL',
      'BOOTSTRAP_ENDPOINT',
      'BOOTSTRAP_KEY',
      'ENABLE_TEST_ENGINE',
      'SQLITE_SYNCHRONOUS',
    ]) {
      expect(problems.join('\n')).toContain(`VIDFORGE_${name}`);
    }
    expect(problems.length).toBeGreaterThanOrEqual(7);
  });

  it('checks the hardening settings: roles, CORS origins, and timeouts that must fit the request timeout', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          VIDFORGE_ROLE: 'api,gpu',
          VIDFORGE_CORS_ORIGINS: 'https://ok.example, not-an-origin, https://x.example/path',
          VIDFORGE_REQUEST_TIMEOUT_MS: '1000',
          VIDFORGE_HEADERS_TIMEOUT_MS: '5000',
          VIDFORGE_MAX_CONNECTIONS: '3',
        },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^role \(VIDFORGE_ROLE\): must be a comma-separated list of api, worker, reaper/),
        expect.stringMatching(
          /^corsOrigins \(VIDFORGE_CORS_ORIGINS\): not an origin .*not-an-origin, https:\/\/x.example\/path/,
        ),
        expect.stringMatching(/^maxConnections \(VIDFORGE_MAX_CONNECTIONS\)/),
      ]),
    );
    const fine = loadConfig({
      env: { VIDFORGE_CORS_ORIGINS: '*', VIDFORGE_ROLE: 'worker', VIDFORGE_HEADERS_TIMEOUT_MS: '5000' },
    });
    expect(fine).toMatchObject({ corsOrigins: ['*'], role: ['worker'] });
    expect(
      problemsOf(() =>
        loadConfig({ env: { VIDFORGE_REQUEST_TIMEOUT_MS: '1000', VIDFORGE_HEADERS_TIMEOUT_MS: '5000' } }),
      ),
    ).toEqual([
      'headersTimeoutMs (5000) must not exceed requestTimeoutMs (1000)',
      'bodyTimeoutMs (10000) must not exceed requestTimeoutMs (1000)',
    ]);
  });

  it('reports a missing, malformed or unknown config file clearly', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    expect(problemsOf(() => loadConfig({ file: join(dir.path, 'missing.json'), env: {} }))[0]).toMatch(/ENOENT/);
    const bad = join(dir.path, 'bad.json');
    await writeFile(bad, '{"port": ');
    expect(problemsOf(() => loadConfig({ file: bad, env: {} }))[0]).toMatch(/invalid JSON/);
    const unknown = join(dir.path, 'unknown.json');
    await writeFile(unknown, JSON.stringify({ prot: 1, port: '80' }));
    const problems = problemsOf(() => loadConfig({ file: unknown, env: {} }));
    expect(problems.join('\n')).toMatch(/unknown setting "prot"/);
    expect(problems.join('\n')).toMatch(/port/);
  });

  it('reads the S3 settings, and reports every bad one at once', () => {
    const config = loadConfig({
      env: {
        VIDFORGE_S3_BUCKET: 'vidforge-results',
        VIDFORGE_S3_ENDPOINT: 'http://minio.internal:9000',
        VIDFORGE_S3_REGION: 'eu-west-1',
        VIDFORGE_S3_FORCE_PATH_STYLE: 'true',
        VIDFORGE_S3_ACCESS_KEY_ID: 'AKIA',
        VIDFORGE_S3_SECRET_ACCESS_KEY: 'secret',
      },
    });
    expect(config).toMatchObject({
      s3Bucket: 'vidforge-results',
      s3Endpoint: 'http://minio.internal:9000',
      s3Region: 'eu-west-1',
      s3ForcePathStyle: true,
      s3PartSizeBytes: 16 * 1024 * 1024,
    });
    const defaults = loadConfig({ env: {} });
    expect(defaults.s3Bucket).toBeUndefined();
    expect(defaults.s3ForcePathStyle).toBe(false);

    const problems = problemsOf(() =>
      loadConfig({
        env: {
          VIDFORGE_S3_BUCKET: 'no spaces',
          VIDFORGE_S3_ENDPOINT: 'minio:9000',
          VIDFORGE_S3_FORCE_PATH_STYLE: 'yes',
          VIDFORGE_S3_PART_SIZE_BYTES: '1024',
        },
      }),
    );
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/VIDFORGE_S3_BUCKET.*bucket name/);
    expect(problems.join('\n')).toMatch(/VIDFORGE_S3_ENDPOINT/);
    expect(problems.join('\n')).toMatch(/VIDFORGE_S3_FORCE_PATH_STYLE: expected true or false/);
    expect(problems.join('\n')).toMatch(/VIDFORGE_S3_PART_SIZE_BYTES/);

    expect(
      problemsOf(() =>
        loadConfig({ env: { VIDFORGE_S3_ENDPOINT: 'http://minio:9000', VIDFORGE_S3_ACCESS_KEY_ID: 'AKIA' } }),
      ),
    ).toEqual([
      's3Endpoint (VIDFORGE_S3_ENDPOINT): is set but s3Bucket (VIDFORGE_S3_BUCKET) is not',
      's3AccessKeyId (VIDFORGE_S3_ACCESS_KEY_ID): is set but s3Bucket (VIDFORGE_S3_BUCKET) is not',
      's3AccessKeyId (VIDFORGE_S3_ACCESS_KEY_ID) and s3SecretAccessKey (VIDFORGE_S3_SECRET_ACCESS_KEY) must be set together',
    ]);
  });

  it('reads the metrics token and port, and reports a bad token without echoing it', () => {
    const defaults = loadConfig({ env: {} });
    expect([defaults.metricsToken, defaults.metricsPort]).toEqual([undefined, undefined]);
    const token = 'a-long-enough-scrape-token_0123';
    expect(loadConfig({ env: { VIDFORGE_METRICS_TOKEN: token, VIDFORGE_METRICS_PORT: '9464' } })).toMatchObject({
      metricsToken: token,
      metricsPort: 9464,
    });
    for (const bad of ['short-secret', 'has a space in it ok', `${'x'.repeat(513)}`]) {
      const problems = problemsOf(() => loadConfig({ env: { VIDFORGE_METRICS_TOKEN: bad } }));
      expect(problems).toEqual([
        'metricsToken (VIDFORGE_METRICS_TOKEN): must be 16..512 visible ASCII characters (no spaces)',
      ]);
    }
    expect(problemsOf(() => loadConfig({ env: { VIDFORGE_METRICS_PORT: '70000' } }))[0]).toMatch(
      /^metricsPort \(VIDFORGE_METRICS_PORT\): /,
    );
  });

  it('reads the PostgreSQL URL and pool size, and names the variable of a bad one without echoing it', () => {
    const defaults = loadConfig({ env: {} });
    expect(defaults.databaseUrl).toBeUndefined();
    expect(defaults.databasePoolSize).toBe(10);
    expect(loadConfig({ env: { VIDFORGE_DATABASE_URL: '' } }).databaseUrl).toBeUndefined();
    for (const url of ['postgres://vf:pw@db:5432/vidforge', 'postgresql://db/vidforge?sslmode=require']) {
      expect(loadConfig({ env: { VIDFORGE_DATABASE_URL: url, VIDFORGE_DATABASE_POOL_SIZE: '25' } })).toMatchObject({
        databaseUrl: url,
        databasePoolSize: 25,
      });
    }

    for (const url of [
      'mysql://vf:hunter22@db/vidforge',
      'http://vf:hunter22@db/vidforge',
      'hunter22',
      'postgres://vf:hunter22@/vidforge',
      'postgres://vf:hunter22@db:70000/vidforge',
      'postgres://vf:hunter22@db/vid forge',
    ]) {
      const problems = problemsOf(() => loadConfig({ env: { VIDFORGE_DATABASE_URL: url } }));
      expect(problems, url).toHaveLength(1);
      expect(problems[0], url).toMatch(/^databaseUrl \(VIDFORGE_DATABASE_URL\): /);
      expect(problems[0], url).not.toContain('hunter22');
    }

    for (const size of ['0', '1001', '-5', 'ten', '2.5']) {
      const problems = problemsOf(() => loadConfig({ env: { VIDFORGE_DATABASE_POOL_SIZE: size } }));
      expect(problems, size).toHaveLength(1);
      expect(problems[0], size).toMatch(/VIDFORGE_DATABASE_POOL_SIZE/);
    }
  });
});
