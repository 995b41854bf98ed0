/** Flag values → request bodies, validated with the contract's rules; errors name the flag. */
import { describe, expect, it } from 'vitest';
import { parse } from '../src/args.ts';
import { CliError, EXIT } from '../src/cli-error.ts';
import { extendBody, generateBody, upscaleBody } from '../src/client/request-flags.ts';
import { closest } from '../src/suggest.ts';

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.usage);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('generate flags', () => {
  it('builds the body with only what was given', () => {
    expect(generateBody('a cat', {})).toEqual({ prompt: 'a cat' });
    expect(
      generateBody('a cat', {
        negative: 'dogs',
        image: 'https://e.com/a.png',
        seed: '-1',
        duration: '8',
        aspect: '3:4',
      }),
    ).toEqual({
      prompt: 'a cat',
      negativePrompt: 'dogs',
      config: { sourceImage: 'https://e.com/a.png' },
      settings: { seed: -1, duration: 8, aspectRatio: '3:4' },
    });
  });

  it.each([
    [{ duration: '3' }, '--duration: must be one of 2, 4, 8'],
    [{ duration: '4s' }, '--duration: expected an integer, got "4s"'],
    [{ seed: '1.5' }, '--seed: expected an integer'],
    [{ seed: '4294967296' }, '--seed: '],
    [{ aspect: '2:1' }, '--aspect: must be one of 16:9, 9:16, 4:3, 3:4, 1:1'],
    [{ image: 'ftp://e.com/a.png' }, '--image: must use http or https'],
    [{ image: 'https://user:pw@e.com/a.png' }, '--image: must not contain a user name or password'],
    [{ negative: 'x'.repeat(2001) }, '--negative: must be at most 2000 characters'],
  ])('rejects %o', (flags, message) => {
    expect(usage(() => generateBody('a cat', flags))).toContain(message);
  });

  it('names every problem at once, and requires a non-empty prompt', () => {
    const message = usage(() => generateBody('a cat', { duration: '3', aspect: 'wide' }));
    expect(message).toMatch(/--duration: .*; --aspect: /);
    expect(usage(() => generateBody('  ', {}))).toContain('the prompt: must not be empty');
    expect(usage(() => generateBody(undefined, {}))).toContain('needs a prompt');
  });
});

describe('upscale and extend flags', () => {
  it('builds the bodies', () => {
    expect(upscaleBody('https://e.com/v.mp4')).toEqual({ config: { sourceVideo: 'https://e.com/v.mp4' } });
    expect(extendBody('https://e.com/v.mp4', { prompt: 'on', seconds: '2', guidance: '7.5', seed: '3' })).toEqual({
      prompt: 'on',
      config: { sourceVideo: 'https://e.com/v.mp4', extendDuration: 2 },
      settings: { seed: 3, guidanceScale: 7.5 },
    });
  });

  it('rejects bad values by flag', () => {
    expect(usage(() => upscaleBody('e.com/v.mp4'))).toContain('the source video: ');
    expect(usage(() => upscaleBody(undefined))).toContain('needs the source video');
    expect(usage(() => extendBody('https://e.com/v.mp4', { seconds: '8' }))).toContain(
      '--seconds: must be one of 2, 4',
    );
    expect(usage(() => extendBody('https://e.com/v.mp4', { guidance: '30' }))).toContain('--guidance: ');
    expect(usage(() => extendBody('https://e.com/v.mp4', { guidance: 'high' }))).toContain(
      '--guidance: expected a number',
    );
  });
});

describe('argument parsing', () => {
  const options = {
    seed: { type: 'string' },
    output: { type: 'string', short: 'o' },
    json: { type: 'boolean' },
  } as const;

  it('takes values that start with a dash as option values', () => {
    const { values, positionals } = parse(['--seed', '-1', 'x', '--output', '-dark', '-o', '-'], options, 1);
    expect(values).toMatchObject({ seed: '-1', output: '-' });
    expect(positionals).toEqual(['x']);
    expect(parse(['--output', '-dark'], options).values.output).toBe('-dark');
  });

  it('takes a task id that starts with a dash as the task id', () => {
    const id = /^-(?!-)[A-Za-z0-9_-]{7,}$|^--[A-Za-z0-9_-]{14,}$/;
    for (const taskId of ['-gXZ3kq1Yb2c4d5e6f7g8h', '--XZ3kq1Yb2c4d5e6f7g8h']) {
      const parsed = parse(['--json', taskId, '-o', 'out.mp4'], options, 1, { dashPositional: id });
      expect(parsed.positionals).toEqual([taskId]);
      expect(parsed.values).toMatchObject({ json: true, output: 'out.mp4' });
    }
    // A mistyped flag is still an error, not a task id.
    expect(() => parse(['--jsno', 'abc'], options, 1, { dashPositional: id })).toThrow(
      /unknown flag --jsno; did you mean --json\?/,
    );
    expect(() => parse(['--output'], options, 1, { dashPositional: id })).toThrow(CliError);
  });
});

describe('did you mean', () => {
  it('suggests the nearest known flag, swaps and typos included, and nothing when none is near', () => {
    const known = ['json', 'output', 'seed', 'negative-prompt', 'aspect-ratio', 'wait'];
    expect(closest('jsno', known)).toBe('json');
    expect(closest('seeed', known)).toBe('seed');
    expect(closest('ouptut', known)).toBe('output');
    expect(closest('aspect_ratio', known)).toBe('aspect-ratio');
    expect(closest('negativeprompt', known)).toBe('negative-prompt');
    expect(closest('JSON', known)).toBe('json');
    expect(closest('bogus', known)).toBeUndefined();
    expect(closest('x', known)).toBeUndefined();
    expect(closest('', known)).toBeUndefined();
  });

  it('says which flag is unknown, without talking about positionals', () => {
    const flags = { seed: { type: 'string' }, json: { type: 'boolean' } } as const;
    expect(() => parse(['--seeed', '4'], flags, 1)).toThrow(
      /^unknown flag --seeed; did you mean --seed\? \(see --help\)$/,
    );
    expect(() => parse(['--wat'], flags, 1)).toThrow(/^unknown flag --wat \(see --help\)$/);
  });
});
