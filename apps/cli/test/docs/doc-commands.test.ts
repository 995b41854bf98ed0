/**
 * Every command written in README.md and docs/ is checked against what it names, so the docs cannot
 * rot: a `vidforge` command and each of its flags exist (asked of the binary's own help), a
 * `vidforge-runner` flag exists in the Python runner, a `curl` request names a route of the API, an
 * `npm run` script, a `scripts/` file or a path given to `npx` exists, and every `VIDFORGE_*`
 * name is a setting something reads. readme-walkthrough.e2e.test.ts runs the README's own
 * walkthroughs against a server. Other programs (jq, pip, docker, hf, …) are not ours to check.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { unknownEnvWarnings } from '../../../server/src/config/unknown-env.ts';
import { runCli } from '../support/run-cli.ts';
import { allDocCommands, blockCommands, codeBlocks, type DocCommand, docFiles, ROOT } from './doc-commands.ts';

let commands: DocCommand[];
beforeAll(async () => {
  commands = await allDocCommands();
});

/** The words after `npx`, if the command runs through it. */
const unwrapNpx = (words: string[]) => (words[0] === 'npx' ? words.slice(1) : words);

/** A flag as written in a command or a synopsis: `[--seed`, `--rate=60/min`, `-o` → `--seed`, `--rate`, `-o`. */
function flagOf(word: string): string | null {
  const bare = word
    .replace(/^\[+/, '')
    .replace(/[\]]+$/, '')
    .split('=')[0]!;
  return /^--?[a-z][\w-]*$/.test(bare) ? bare : null;
}

const mentions = (help: string, flag: string) => new RegExp(`(^|[\\s[,|(])${flag}(?![\\w-])`, 'm').test(help);

describe('reading commands out of a code block', () => {
  it('joins continuations, drops prompts and comments, splits pipes and $(…), strips assignments', () => {
    const text = [
      '$ VIDFORGE_X=1 npx vidforge extend "$(vidforge status ID | jq -r .mediaUrl)" \\',
      '    --seconds 2   # a comment --not-a-flag',
      'export A=1 B=\'two words\'; curl -X POST "$BASE/$EP/video/generate" -d \'{"a": "#1"}\'',
    ].join('\n');
    const found = blockCommands({ file: 'x.md', startLine: 10, lang: 'sh', text });
    expect(found.map((c) => [c.where, c.words, c.assigned])).toEqual([
      [
        'x.md:11',
        ['npx', 'vidforge', 'extend', '$(vidforge status ID | jq -r .mediaUrl)', '--seconds', '2'],
        ['VIDFORGE_X'],
      ],
      ['x.md:11', ['vidforge', 'status', 'ID'], []],
      ['x.md:11', ['jq', '-r', '.mediaUrl'], []],
      ['x.md:13', [], ['A', 'B']],
      ['x.md:13', ['curl', '-X', 'POST', '$BASE/$EP/video/generate', '-d', '{"a": "#1"}'], []],
    ]);
  });
});

describe('commands in README.md and docs/', () => {
  it('finds the commands it checks (the extraction itself works)', () => {
    const names = new Set(commands.map((c) => basename(unwrapNpx(c.words)[0] ?? '')));
    for (const name of ['vidforge', 'curl', 'npm', 'vidforge-runner']) expect(names, name).toContain(name);
  });

  it('vidforge: every command, subcommand and flag exists in the binary', async () => {
    const vidforge = commands
      .map((c) => ({ ...c, words: unwrapNpx(c.words) }))
      .filter((c) => c.words[0] === 'vidforge' && c.words[1] !== undefined && !c.words[1].startsWith('-'));
    expect(vidforge.length).toBeGreaterThan(40);
    const helps = new Map<string, { code: number; text: string }>();
    const names = [...new Set(vidforge.map((c) => (c.words[1] === 'help' ? c.words[2]! : c.words[1]!)))];
    const results = await Promise.all(names.map((name) => runCli(['help', name])));
    for (const [i, name] of names.entries()) {
      helps.set(name, { code: results[i]!.code ?? -1, text: results[i]!.stdout + results[i]!.stderr });
    }
    const problems: string[] = [];
    for (const { where, words } of vidforge) {
      const name = words[1] === 'help' ? words[2]! : words[1]!;
      const help = helps.get(name)!;
      if (help.code !== 0) {
        problems.push(`${where}: vidforge ${name}: no such command`);
        continue;
      }
      // Grouped commands (keys, endpoints, runners, …) list their subcommands as "vidforge keys create".
      const subcommands = [...help.text.matchAll(new RegExp(`vidforge ${name} ([a-z]+)`, 'g'))].map((m) => m[1]);
      const sub = words[2];
      if (subcommands.length > 1 && sub && !sub.startsWith('-') && !subcommands.includes(sub)) {
        problems.push(
          `${where}: vidforge ${name} ${sub}: no such subcommand (${[...new Set(subcommands)].join(', ')})`,
        );
      }
      for (const flag of words.slice(2).map(flagOf)) {
        if (flag && !mentions(help.text, flag)) problems.push(`${where}: vidforge ${name}: no flag ${flag}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('vidforge-runner (Python): every flag exists', async () => {
    const cli = await readFile(join(ROOT, 'workers/python/src/vidforge_runner/cli.py'), 'utf8');
    const runner = commands.filter((c) => basename(c.words[0] ?? '') === 'vidforge-runner');
    expect(runner.length).toBeGreaterThan(0);
    const problems = runner.flatMap(({ where, words }) =>
      words
        .slice(1)
        .map(flagOf)
        .filter((flag) => flag !== null && flag !== '--help' && !cli.includes(`"${flag}"`))
        .map((flag) => `${where}: vidforge-runner: no flag ${flag}`),
    );
    expect(problems).toEqual([]);
  });

  it('curl: every request names a route the server has, with its method', async () => {
    const spec = JSON.parse(await readFile(join(ROOT, 'openapi/openapi.json'), 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    };
    // Operational routes outside the API document.
    const routes = [
      ...Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
      'GET /metrics',
      'GET /healthz',
      'GET /readyz',
    ].map((route) => {
      const [method, path] = route.split(' ') as [string, string];
      return { method, pattern: new RegExp(`${path.replace(/\{[^}]+\}/g, '[^/]+')}$`) };
    });
    const curls = commands.filter((c) => c.words[0] === 'curl');
    expect(curls.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const { where, words } of curls) {
      const url = words.find((w) => /^(\$BASE|https?:\/\/)/.test(w));
      if (!url) {
        problems.push(`${where}: curl without a URL`);
        continue;
      }
      const explicit = words.indexOf('-X');
      const sendsBody = words.some((w) => ['-d', '--data', '--data-binary', '-F', '--form'].includes(w));
      const method = explicit >= 0 ? words[explicit + 1]! : sendsBody ? 'POST' : 'GET';
      const path = url
        .replace(/^\$BASE/, '/v1/ai')
        .replace(/^https?:\/\/[^/]+/, '')
        .split('?')[0]!;
      if (!routes.some((r) => r.method === method && r.pattern.test(path))) {
        problems.push(`${where}: curl ${method} ${path}: no such route`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('npm, npx and scripts/: the scripts and files they name exist', async () => {
    const pkg = async (dir: string) => JSON.parse(await readFile(join(ROOT, dir, 'package.json'), 'utf8'));
    const rootScripts = Object.keys((await pkg('.')).scripts);
    const problems: string[] = [];
    for (const { where, words: raw } of commands) {
      const words = unwrapNpx(raw);
      const [first, second, third] = words;
      if (first === 'npm' && (second === 'run' || second === 'test')) {
        const script = second === 'test' ? 'test' : third!;
        const workspace = words[words.indexOf('-w') + 1];
        const scripts =
          words.includes('-w') && workspace
            ? Object.keys((await pkg(`packages/${workspace.split('/')[1]}`)).scripts)
            : rootScripts;
        if (!scripts.includes(script)) problems.push(`${where}: npm run ${script}: no such script`);
      } else if (raw[0] === 'npx' && (first === 'node' || first === 'vitest')) {
        // vitest takes filters: a path prefix is enough, as long as some file starts with it.
        const paths = words.slice(first === 'vitest' ? 2 : 1).filter((w) => !w.startsWith('-') && !w.includes('*'));
        for (const path of paths) {
          const full = join(ROOT, path);
          const prefixOfFile =
            first === 'vitest' &&
            existsSync(dirname(full)) &&
            (await readdir(dirname(full))).some((f) => join(dirname(full), f).startsWith(full));
          if (!existsSync(full) && !prefixOfFile) problems.push(`${where}: ${path}: no such file`);
        }
      } else if (first?.startsWith('scripts/') && !existsSync(join(ROOT, first))) {
        problems.push(`${where}: ${first}: no such script`);
      } else if (first === 'python' && second && !existsSync(join(ROOT, second))) {
        problems.push(`${where}: ${second}: no such file`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every VIDFORGE_* name written in a code block is a setting something reads', async () => {
    const names = new Map<string, string>();
    for (const file of await docFiles()) {
      for (const block of await codeBlocks(file)) {
        for (const [name] of block.text.matchAll(/\bVIDFORGE_[A-Z0-9_]+/g))
          names.set(name, `${file}:${block.startLine}`);
      }
    }
    expect(names.size).toBeGreaterThan(10);
    const env = Object.fromEntries([...names.keys()].map((name) => [name, 'x']));
    const warnings = unknownEnvWarnings(env).map((w) => `${names.get(w.split(' ')[0]!)}: ${w}`);
    expect(warnings).toEqual([]);
  });
});
