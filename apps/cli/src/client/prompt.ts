/** Questions on the terminal for `vidforge login`; a secret is read without echo. */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

export async function ask(question: string, options: { hidden?: boolean } = {}): Promise<string> {
  let muted = false;
  // readline echoes what is typed through its output; muting that output hides the key.
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = new Promise<string>((resolve) => rl.question(question, resolve));
    muted = options.hidden === true;
    const value = await answer;
    if (muted) process.stderr.write('\n');
    return value.trim();
  } finally {
    rl.close();
  }
}

/** The first line of a piped stdin (`printf %s "$KEY" | vidforge login ...`), or undefined. */
export async function readPipedLine(): Promise<string | undefined> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > 4096) break;
  }
  const line = text.split(/\r?\n/)[0]?.trim();
  return line ? line : undefined;
}
