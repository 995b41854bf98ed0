/**
 * The public-address rule through the real fetcher and agent, against hostile servers on loopback:
 * a refused URL must fail with SOURCE_FETCH_FAILED *and* never reach the server.
 */
import type { LookupAddress } from 'node:dns';
import { readFile } from 'node:fs/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowlist } from '../../src/modules/media/fetch-allowlist.ts';
import { ADDRESS_REFUSED, createGuardedAgent, type LookupAll } from '../../src/modules/media/guarded-agent.ts';
import { isPublicAddress } from '../../src/modules/media/ip-address.ts';
import { parseMediaConfig } from '../../src/modules/media/media.config.ts';
import { createSafeFetcher } from '../../src/modules/media/safe-fetcher.ts';
import { tempDir } from '../support/temp-dir.ts';
import { engineFailure, type Fixtures, makeFixtures } from './fixtures.ts';
import { type HostileServer, redirectTo, serveBytes, startHostileServer } from './hostile-server.ts';

let fixtures: Fixtures;
let work: { path: string; remove(): Promise<void> };
let hostile: HostileServer;
/** A second server on another loopback address that is never on the allow-list. */
let internal: HostileServer;
let png: Uint8Array;

beforeAll(async () => {
  [fixtures, work, hostile, internal] = await Promise.all([
    makeFixtures(),
    tempDir(),
    startHostileServer('127.0.0.1'),
    startHostileServer('127.0.0.2'),
  ]);
  png = await readFile(fixtures.png);
  hostile.route('/image.png', serveBytes(png, { 'content-type': 'text/html' }));
  internal.route('/secret.png', serveBytes(png));
});

afterAll(async () => {
  await Promise.all([hostile.close(), internal.close(), fixtures.remove(), work.remove()]);
});

const fetcherWith = (fetchAllow: string, lookup?: LookupAll) =>
  createSafeFetcher({ ...parseMediaConfig({ fetchAllow }), lookup });

const fakeLookup =
  (answers: string[][], calls: string[] = []): LookupAll =>
  (hostname, _options, callback) => {
    calls.push(hostname);
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
    const addresses: LookupAddress[] = answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    queueMicrotask(() => callback(null, addresses));
  };

describe('address forms through the fetcher', () => {
  const FORMS = [
    '127.0.0.1',
    '2130706433',
    '0177.0.0.1',
    '0x7f.0.0.1',
    '0x7f.1',
    '127.1',
    '127.0.0.1%2e',
    '①②⑦.0.0.1',
    '0',
    '0.0.0.0',
    '[::]',
    '[::1]',
    '[::ffff:127.0.0.1]',
    '[::ffff:7f00:1]',
    '[::127.0.0.1]',
    '[64:ff9b::7f00:1]',
    '169.254.169.254',
    '10.0.0.1',
    '172.16.0.1',
    '192.168.0.1',
    '100.64.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '[fd00:ec2::254]',
    '[fe80::1]',
    'localhost',
  ];

  it.each(FORMS)('refuses %s and sends it nothing', async (host) => {
    // `*:port` opens the hostile server's port for public addresses only: the address rule decides.
    const fetcher = fetcherWith(`*:${hostile.port}`);
    const before = hostile.requests.length;
    const error = await engineFailure(
      fetcher.fetch(`http://${host}:${hostile.port}/image.png`, 'image', work.path, new AbortController().signal),
    );
    expect(error.code).toBe('SOURCE_FETCH_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/not a public address/);
    expect(error.message).not.toMatch(/127\.0\.0\.1|::1/); // never echo resolved addresses
    expect(hostile.requests.length).toBe(before);
  });

  it('refuses a literal in the connector itself, before any byte is sent', async () => {
    const agent = createGuardedAgent({
      allowlist: parseAllowlist(`*:${hostile.port}`),
      isPublic: isPublicAddress,
      connectTimeoutMs: 2000,
      idleTimeoutMs: 2000,
      maxResponseBytes: 1024,
    });
    const before = hostile.requests.length;
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', 'localhost']) {
      const error = await request(`http://${host}:${hostile.port}/image.png`, { dispatcher: agent }).catch((e) => e);
      expect(error.code ?? error.cause?.code).toBe(ADDRESS_REFUSED);
    }
    await agent.destroy();
    expect(hostile.requests.length).toBe(before);
  });

  it('fetches from a listed loopback address, sending Accept-Encoding: identity', async () => {
    const fetcher = fetcherWith(`127.0.0.1:${hostile.port}`);
    const source = await fetcher.fetch(`${hostile.origin}/image.png`, 'image', work.path, new AbortController().signal);
    expect(source).toMatchObject({ kind: 'image', contentType: 'image/png', size: png.length });
    expect(source.path.startsWith(work.path)).toBe(true);
    expect(hostile.requests.at(-1)?.headers['accept-encoding']).toBe('identity');
  });
});

describe('redirects', () => {
  it('re-checks every hop: an allowed host redirecting to a forbidden one is refused', async () => {
    const fetcher = fetcherWith(`127.0.0.1:${hostile.port}`);
    const targets = [
      `${internal.origin}/secret.png`,
      `http://169.254.169.254/latest/meta-data/`,
      `http://[::1]:${hostile.port}/image.png`,
      `//127.0.0.2:${internal.port}/secret.png`,
      'file:///etc/passwd',
    ];
    for (const [i, target] of targets.entries()) {
      hostile.route(`/hop-${i}`, redirectTo(target, [301, 302, 303, 307, 308][i % 5]));
      const error = await engineFailure(
        fetcher.fetch(`${hostile.origin}/hop-${i}`, 'image', work.path, new AbortController().signal),
      );
      expect(error.code).toBe('SOURCE_FETCH_FAILED');
    }
    expect(internal.requests).toHaveLength(0);
  });

  it('follows up to 5 allowed redirects and gives up after that', async () => {
    const fetcher = fetcherWith(`127.0.0.1:${hostile.port}`);
    for (let i = 0; i < 6; i++) hostile.route(`/chain-${i}`, redirectTo(i === 5 ? '/image.png' : `/chain-${i + 1}`));
    const ok = await fetcher.fetch(`${hostile.origin}/chain-1`, 'image', work.path, new AbortController().signal);
    expect(ok.contentType).toBe('image/png');
    const error = await engineFailure(
      fetcher.fetch(`${hostile.origin}/chain-0`, 'image', work.path, new AbortController().signal),
    );
    expect(error.message).toMatch(/more than 5 redirects/);
  });
});

describe('DNS', () => {
  it('refuses a name whose answer mixes public and private addresses', async () => {
    const fetcher = fetcherWith(`*:${hostile.port}`, fakeLookup([['93.184.216.34', '127.0.0.1']]));
    const before = hostile.requests.length;
    const error = await engineFailure(
      fetcher.fetch(`http://mixed.test:${hostile.port}/image.png`, 'image', work.path, new AbortController().signal),
    );
    expect(error.message).toMatch(/not a public address/);
    expect(hostile.requests.length).toBe(before);
  });

  it('rebinding: a pre-check sees a public answer, the connect-time check refuses the private one', async () => {
    const calls: string[] = [];
    const lookup = fakeLookup([['93.184.216.34'], ['127.0.0.1']], calls);
    // The naive pre-check an attacker counts on: resolve, see a public address, go ahead.
    const first = await new Promise<LookupAddress[]>((resolve) => lookup('rebind.test', {}, (_e, a) => resolve(a)));
    expect(isPublicAddress(first[0]!.address)).toBe(true);
    const before = hostile.requests.length;
    const error = await engineFailure(
      fetcherWith(`*:${hostile.port}`, lookup).fetch(
        `http://rebind.test:${hostile.port}/image.png`,
        'image',
        work.path,
        new AbortController().signal,
      ),
    );
    expect(error.message).toMatch(/not a public address/);
    expect(calls).toHaveLength(2);
    expect(hostile.requests.length).toBe(before);
  });

  it('resolves once per connection and connects to the address it checked', async () => {
    // Allowed: 127.0.0.1 only. A second resolution would answer 127.0.0.2 (the internal server).
    const calls: string[] = [];
    const fetcher = fetcherWith(`127.0.0.1:${hostile.port}`, fakeLookup([['127.0.0.1'], ['127.0.0.2']], calls));
    const source = await fetcher.fetch(
      `http://pinned.test:${hostile.port}/image.png`,
      'image',
      work.path,
      new AbortController().signal,
    );
    expect(source.contentType).toBe('image/png');
    expect(calls).toEqual(['pinned.test']);
    expect(internal.requests).toHaveLength(0);
  });

  it('reports a name that does not resolve', async () => {
    const lookup: LookupAll = (_h, _o, callback) =>
      callback(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }), []);
    const error = await engineFailure(
      fetcherWith('', lookup).fetch('http://nowhere.test/a.png', 'image', work.path, new AbortController().signal),
    );
    expect(error.code).toBe('SOURCE_FETCH_FAILED');
    expect(error.message).toMatch(/does not resolve/);
  });
});
