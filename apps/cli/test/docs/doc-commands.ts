/**
 * The shell commands written in README.md and docs/*.md, pulled out of their fenced code blocks so
 * tests can check them against the real binary, scripts, routes and settings. A block's text is
 * read the way a reader would paste it: `\` continues a line, `$ ` is a prompt, `# …` a comment,
 * and `;`, `&&`, `||`, `|` and `$(…)` hold several commands.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../../..');

export interface DocCommand {
  /** Where it is written, e.g. "docs/cli.md:42", for the failure message. */
  where: string;
  /** The words after any leading `NAME=value` assignments, quotes removed. */
  words: string[];
  /** Names assigned before the command or by `export`. */
  assigned: string[];
  /** The whole line it came from, as written (continuations joined). */
  line: string;
}

export interface CodeBlock {
  file: string;
  /** Line of the opening fence. */
  startLine: number;
  lang: string;
  text: string;
}

/** README.md and every docs/*.md, relative to the repository root. */
export async function docFiles(): Promise<string[]> {
  const docs = (await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).sort();
  return ['README.md', ...docs.map((f) => `docs/${f}`)];
}

export async function codeBlocks(file: string): Promise<CodeBlock[]> {
  const lines = (await readFile(join(ROOT, file), 'utf8')).split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 1}: a code block is never closed`);
    blocks.push({ file, startLine: i + 1, lang: open[2]!, text: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** Splits on unquoted separators; `$(…)` bodies are returned separately as commands of their own. */
function splitCommands(line: string): { parts: string[]; nested: string[] } {
  const parts: string[] = [];
  const nested: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') current += line[i++]!;
      if (quote === '"' && c === '$' && line[i + 1] === '(') {
        const close = matchingParen(line, i + 1);
        nested.push(line.slice(i + 2, close));
        current += line.slice(i, close + 1);
        i = close;
        continue;
      }
      current += c;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '$' && line[i + 1] === '(') {
      const close = matchingParen(line, i + 1);
      nested.push(line.slice(i + 2, close));
      current += line.slice(i, close + 1);
      i = close;
      continue;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) break;
    else if (c === ';' || c === '|' || (c === '&' && line[i + 1] === '&')) {
      parts.push(current);
      current = '';
      if (line[i + 1] === c) i++;
      continue;
    }
    current += c;
  }
  parts.push(current);
  return { parts: parts.map((p) => p.trim()).filter(Boolean), nested };
}

function matchingParen(line: string, open: number): number {
  let depth = 0;
  for (let i = open; i < line.length; i++) {
    if (line[i] === '(') depth++;
    else if (line[i] === ')' && --depth === 0) return i;
  }
  return line.length;
}

/** Shell words with quotes removed; `$(…)` stays one opaque word. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let started = false;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i]!;
      else current += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      started = true;
    } else if (c === '$' && text[i + 1] === '(') {
      const close = matchingParen(text, i + 1);
      current += text.slice(i, close + 1);
      started = true;
      i = close;
    } else if (/\s/.test(c)) {
      if (started) words.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (started) words.push(current);
  return words;
}

function toCommand(text: string, where: string, line: string): DocCommand {
  const words = shellWords(text);
  const assigned: string[] = [];
  if (words[0] === 'export') words.shift();
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) assigned.push(words.shift()!.split('=')[0]!);
  if (words[0] === 'export') {
    words.shift();
    while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) assigned.push(words.shift()!.split('=')[0]!);
  }
  return { where, words, assigned, line };
}

/** Every command in one code block, with its line in the file. */
export function blockCommands(block: CodeBlock): DocCommand[] {
  const commands: DocCommand[] = [];
  const lines = block.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i;
    let line = lines[i]!;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) line = `${line.replace(/\\\s*$/, ' ')}${lines[++i]!.trim()}`;
    const where = `${block.file}:${block.startLine + 1 + first}`;
    const text = line.trim().replace(/^\$ /, '');
    const queue = [text];
    while (queue.length > 0) {
      const { parts, nested } = splitCommands(queue.shift()!);
      queue.push(...nested);
      for (const part of parts) commands.push(toCommand(part, where, line.trim()));
    }
  }
  return commands;
}

export async function allDocCommands(): Promise<DocCommand[]> {
  const out: DocCommand[] = [];
  for (const file of await docFiles()) for (const block of await codeBlocks(file)) out.push(...blockCommands(block));
  return out;
}
