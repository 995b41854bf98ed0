import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/engines/engine.ts';
import { isConnectionAllowed, isPortAllowed, parseAllowlist } from '../../src/modules/media/fetch-allowlist.ts';
import { isPublicAddress, parseCidr, parseIp } from '../../src/modules/media/ip-address.ts';
import { checkSourceUrl } from '../../src/modules/media/source-url.ts';

const NOT_PUBLIC = [
  '127.0.0.1',
  '127.255.255.254',
  '0.0.0.0',
  '0.1.2.3',
  '10.1.2.3',
  '100.64.0.1',
  '169.254.169.254',
  '172.16.0.1',
  '172.31.255.255',
  '192.0.0.8',
  '192.0.2.1',
  '192.168.1.1',
  '198.18.0.1',
  '198.51.100.7',
  '203.0.113.9',
  '224.0.0.1',
  '239.255.255.250',
  '240.0.0.1',
  '255.255.255.255',
  '::',
  '::1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::ffff:10.0.0.1',
  '::ffff:169.254.169.254',
  '::127.0.0.1', // IPv4-compatible, the form classification libraries call unicast
  '::7f00:1',
  '::8.8.8.8',
  '64:ff9b::7f00:1', // NAT64
  '2002:7f00:1::', // 6to4 around 127.0.0.1
  '2001::1', // Teredo
  '2001:db8::1',
  'fc00::1',
  'fd00:ec2::254', // AWS metadata over IPv6
  'fe80::1',
  'ff02::1',
  '100::1',
  'not-an-ip',
  '',
];

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.216.34',
  '172.32.0.1',
  '::ffff:8.8.8.8',
  '2606:4700::1111',
  '2a00:1450::1',
];

describe('isPublicAddress', () => {
  it.each(NOT_PUBLIC)('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(PUBLIC)('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('parses compressed IPv6 with an IPv4 tail', () => {
    expect(parseIp('::ffff:1.2.3.4')?.bytes).toEqual(
      Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]),
    );
    expect(parseIp('fe80::1%eth0')).toBeNull();
    expect(parseCidr('10.0.0.0/33')).toBeNull();
  });
});

describe('fetch allow-list', () => {
  it('parses every entry form', () => {
    const list = parseAllowlist(' 127.0.0.1:8080, localhost , [::1]:9000, 10.0.0.0/8, [fd00::/8]:81, ::1, *:8443 ');
    expect(list).toHaveLength(7);
    expect(list[1]).toMatchObject({ host: 'localhost', port: null });
    expect(list[6]).toMatchObject({ anyPublic: true, port: 8443 });
  });

  it('names every bad entry at once', () => {
    expect(() => parseAllowlist('ok.example, 10.0.0.0/99, host:99999, a b')).toThrow(
      /"10\.0\.0\.0\/99", "host:99999", "a b"/,
    );
    expect(parseAllowlist('')).toEqual([]);
  });

  it('opens a listed port only for the listed addresses', () => {
    const list = parseAllowlist('127.0.0.1:8080,*:8443');
    const allowed = (host: string, port: number, address: string) =>
      isConnectionAllowed(list, isPublicAddress, host, port, address);
    expect(allowed('x', 8080, '127.0.0.1')).toBe(true);
    expect(allowed('x', 80, '127.0.0.1')).toBe(false); // the entry names port 8080 only
    expect(allowed('x', 8080, '127.0.0.2')).toBe(false);
    expect(allowed('x', 8443, '8.8.8.8')).toBe(true);
    expect(allowed('x', 8443, '10.0.0.1')).toBe(false); // *:port is for public addresses only
    expect(allowed('x', 443, '8.8.8.8')).toBe(true);
    expect(isPortAllowed(list, 'example.com', 22)).toBe(false);
    expect(isPortAllowed(list, 'example.com', 8443)).toBe(true);
  });
});

describe('checkSourceUrl', () => {
  const check = (url: string, allow = '') => checkSourceUrl(url, parseAllowlist(allow), isPublicAddress);
  const refusal = (url: string, allow = '') => {
    try {
      check(url, allow);
    } catch (error) {
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe('SOURCE_FETCH_FAILED');
      expect((error as EngineError).retryable).toBe(false);
      return (error as EngineError).message;
    }
    throw new Error(`${url} was accepted`);
  };

  it.each([
    'http://127.0.0.1/',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://0x7f.0.0.1/',
    'http://0x7f.1/',
    'http://127.1/',
    'http://127.0.0.1%2e/',
    'http://①②⑦.0.0.1/',
    'http://0/',
    'http://0.0.0.0/',
    'http://[::]/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::127.0.0.1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://10.0.0.1/',
    'https://192.168.0.1/',
    'http://[64:ff9b::a9fe:a9fe]/',
  ])('refuses the non-public literal %s', (url) => {
    expect(refusal(url)).toMatch(/not a public address/);
  });

  it('refuses other schemes, credentials, ports and junk with the rule broken', () => {
    expect(refusal('file:///etc/passwd')).toMatch(/only http and https/);
    expect(refusal('ftp://example.com/a.png')).toMatch(/only http and https/);
    expect(refusal('data:image/png;base64,AAAA')).toMatch(/only http and https/);
    expect(refusal('http://user:pass@example.com/a.png')).toMatch(/user name or password/);
    expect(refusal('http://evil.com@127.0.0.1/')).toMatch(/user name or password/);
    expect(refusal('http://example.com:22/')).toMatch(/port 22 is not allowed/);
    expect(refusal('http://[fe80::1%25eth0]/')).toMatch(/not a valid absolute URL/);
    expect(refusal(`https://example.com/${'a'.repeat(2100)}`)).toMatch(/longer than 2048/);
  });

  it('accepts public hosts on 80 and 443 and listed exceptions', () => {
    expect(check('https://example.com/a.png').hostname).toBe('example.com');
    expect(check('http://example.com:443/a.png').port).toBe('443');
    expect(check('http://8.8.8.8/a.png').hostname).toBe('8.8.8.8');
    expect(check('http://127.0.0.1:8080/a.png', '127.0.0.1:8080').port).toBe('8080');
    const base = new URL('https://example.com/a/b.png');
    expect(checkSourceUrl('../c.png', [], isPublicAddress, base).href).toBe('https://example.com/c.png');
    expect(() => checkSourceUrl('//127.0.0.1/x', [], isPublicAddress, base)).toThrow(/not a public address/);
  });
});
