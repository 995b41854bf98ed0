/**
 * The settings of an `upstream` endpoint are checked when the endpoint is created, with messages
 * that name every problem; the credential is stored but every listing shows "***".
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import { openAdmin } from '../../src/admin/index.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { parseUpstreamSettings, upstreamSettingsProblem } from '../../src/engines/upstream/upstream-settings.ts';
import { tempDir } from '../support/index.ts';

const SECRET = 'sk-upstream-secret-0123456789';
const dirs: { remove(): Promise<void> }[] = [];
afterAll(async () => {
  for (const dir of dirs) await dir.remove();
});

describe('upstream settings', () => {
  it('accepts both kinds with what each needs', () => {
    expect(upstreamSettingsProblem({ kind: 'openai', baseUrl: 'http://10.0.0.5:30000/v1', model: 'wan' })).toBeNull();
    expect(upstreamSettingsProblem({ kind: 'openai', baseUrl: 'https://gpu.example/v1' })).toBeNull();
    expect(
      upstreamSettingsProblem({
        kind: 'haiper',
        baseUrl: 'https://genaiapi.cloudsway.net/v1/ai',
        endpointPath: 'LPUqHEAjfonOmohV',
        credential: SECRET,
        mediaHosts: ['media.example', 'cdn.example:8443', '[::1]:9000'],
        pollIntervalMs: 500,
        pollMaxIntervalMs: 5000,
        sources: 'url',
      }),
    ).toBeNull();
    const parsed = parseUpstreamSettings({
      kind: 'haiper',
      baseUrl: 'http://127.0.0.1:8080/v1/ai/',
      endpointPath: 'abcd',
    });
    expect(parsed).toMatchObject({
      ok: true,
      settings: { baseUrl: 'http://127.0.0.1:8080/v1/ai', mediaHostPorts: ['127.0.0.1:8080'], sources: 'upload' },
    });
  });

  it('names every problem, and never the credential', () => {
    const problem = (settings: Record<string, unknown>) => upstreamSettingsProblem(settings) ?? '';
    expect(problem({})).toMatch(/settings\.kind must be one of openai, haiper/);
    expect(problem({ kind: 'grpc', baseUrl: 'http://x' })).toMatch(/settings\.kind must be one of openai, haiper/);
    expect(problem({ kind: 'openai' })).toMatch(/settings\.baseUrl is required/);
    expect(problem({ kind: 'openai', baseUrl: 'ftp://x/v1' })).toMatch(/settings\.baseUrl must be http or https/);
    expect(problem({ kind: 'openai', baseUrl: 'not a url' })).toMatch(/settings\.baseUrl must be an absolute http/);
    expect(problem({ kind: 'openai', baseUrl: `http://user:${SECRET}@x/v1` })).toMatch(/user name or password/);
    expect(problem({ kind: 'openai', baseUrl: 'http://x/v1?a=1' })).toMatch(/query or fragment/);
    expect(problem({ kind: 'haiper', baseUrl: 'http://x/v1/ai' })).toMatch(/settings\.endpointPath is required/);
    expect(problem({ kind: 'haiper', baseUrl: 'http://x/v1/ai', endpointPath: 'a/b' })).toMatch(
      /settings\.endpointPath must be/,
    );
    expect(problem({ kind: 'openai', baseUrl: 'http://x/v1', credentials: SECRET })).toMatch(
      /unknown setting credentials/,
    );
    expect(problem({ kind: 'openai', baseUrl: 'http://x/v1', endpointPath: 'abcd' })).toMatch(
      /unknown setting endpointPath/,
    );
    expect(problem({ kind: 'openai', baseUrl: 'http://x/v1', pollIntervalMs: 1 })).toMatch(/settings\.pollIntervalMs/);
    expect(problem({ kind: 'openai', baseUrl: 'http://x/v1', mediaHosts: ['10.0.0.0/8'] })).toMatch(
      /settings\.mediaHosts\.0/,
    );
    expect(problem({ kind: 'openai', baseUrl: 'http://x/v1', credential: 7 })).toMatch(/settings\.credential/);
    expect(problem({ kind: 'openai', baseUrl: 'http://x/v1', pollIntervalMs: 5000, pollMaxIntervalMs: 100 })).toMatch(
      /pollMaxIntervalMs must not be below/,
    );
    const both = problem({ kind: 'haiper', baseUrl: 'ftp://x', credential: SECRET, sources: 'carrier-pigeon' });
    expect(both).toMatch(/baseUrl.*endpointPath|endpointPath.*baseUrl/);
    expect(both).toMatch(/settings\.sources/);
    expect(both).not.toContain(SECRET);
  });
});

describe('upstream endpoints through the admin service', () => {
  it('refuses bad settings and redacts the stored credential in every listing', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const config = loadConfig({ env: { VIDFORGE_DATA_DIR: dir.path } });
    const { admin, close } = await openAdmin(config);
    try {
      await expect(admin.createEndpoint({ engine: 'upstream', settings: { kind: 'openai' } })).rejects.toThrow(
        /An endpoint of engine "upstream" needs valid settings: settings\.baseUrl is required/,
      );
      const settings = { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', credential: SECRET };
      const created = await admin.createEndpoint({ engine: 'upstream', name: 'gpu', settings });
      expect(created.settings).toEqual({ ...settings, credential: '***' });
      const listed = await admin.listEndpoints();
      expect(JSON.stringify(listed)).not.toContain(SECRET);
      expect(listed.find((e) => e.id === created.id)?.settings.credential).toBe('***');
      expect(JSON.stringify(await admin.findEndpoint(created.path))).not.toContain(SECRET);
      // Stored as given: the engine needs it.
      const storage = openSqliteAdapters({ file: `${dir.path}/vidforge.db` });
      try {
        expect((await storage.access.endpointByPath(created.path))?.settings.credential).toBe(SECRET);
      } finally {
        await storage.close();
      }
      const deleted = await admin.deleteEndpoint(created.path);
      expect(JSON.stringify(deleted)).not.toContain(SECRET);
    } finally {
      await close();
    }
  });
});
