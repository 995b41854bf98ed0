/** `vidforge`: one binary for the server, its admin commands and the API client. */
import { CliError, EXIT } from './cli-error.ts';

type Command = (argv: string[]) => Promise<void>;

// Loaded on use: client commands never load the server (fastify, SQLite, ...), so they start quickly.
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve.ts')).serve,
  endpoints: async () => (await import('./commands/admin.ts')).endpoints,
  keys: async () => (await import('./commands/admin.ts')).keys,
  runners: async () => (await import('./commands/runners.ts')).runners,
  webhooks: async () => (await import('./commands/webhooks.ts')).webhooks,
  migrate: async () => (await import('./commands/migrate.ts')).migrate,
  usage: async () => (await import('./commands/usage.ts')).usage,
  runner: async () => (await import('./commands/runner.ts')).runner,
  generate: async () => (await import('./commands/submit.ts')).generate,
  upscale: async () => (await import('./commands/submit.ts')).upscale,
  extend: async () => (await import('./commands/submit.ts')).extend,
  status: async () => (await import('./commands/tasks.ts')).status,
  wait: async () => (await import('./commands/tasks.ts')).wait,
  cancel: async () => (await import('./commands/tasks.ts')).cancel,
  list: async () => (await import('./commands/tasks.ts')).list,
  download: async () => (await import('./commands/tasks.ts')).download,
  login: async () => (await import('./commands/login.ts')).login,
  logout: async () => (await import('./commands/login.ts')).logout,
};

/** Each command's own help: `vidforge help COMMAND` and `vidforge COMMAND --help`. */
const COMMAND_HELP: Record<string, () => Promise<string>> = {
  serve: async () => (await import('./commands/serve.ts')).SERVE_HELP,
  endpoints: async () => (await import('./commands/admin.ts')).ENDPOINTS_HELP,
  keys: async () => (await import('./commands/admin.ts')).KEYS_HELP,
  runners: async () => (await import('./commands/runners.ts')).RUNNERS_HELP,
  webhooks: async () => (await import('./commands/webhooks.ts')).WEBHOOKS_HELP,
  migrate: async () => (await import('./commands/migrate.ts')).MIGRATE_HELP,
  usage: async () => (await import('./commands/usage.ts')).USAGE_HELP,
  runner: async () => (await import('./commands/runner.ts')).RUNNER_USAGE,
  generate: async () => (await import('./commands/submit.ts')).SUBMIT_USAGE,
  upscale: async () => (await import('./commands/submit.ts')).SUBMIT_USAGE,
  extend: async () => (await import('./commands/submit.ts')).SUBMIT_USAGE,
  status: async () => (await import('./commands/tasks.ts')).TASKS_USAGE,
  wait: async () => (await import('./commands/tasks.ts')).TASKS_USAGE,
  cancel: async () => (await import('./commands/tasks.ts')).TASKS_USAGE,
  list: async () => (await import('./commands/tasks.ts')).TASKS_USAGE,
  download: async () => (await import('./commands/tasks.ts')).TASKS_USAGE,
  login: async () => (await import('./commands/login.ts')).LOGIN_USAGE,
  logout: async () => (await import('./commands/login.ts')).LOGIN_USAGE,
};

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `vidforge ${pkg.version} (Node ${process.versions.node})`;
}

async function help(): Promise<string> {
  const [
    { SERVE_HELP },
    { ENDPOINTS_HELP, KEYS_HELP },
    { RUNNERS_HELP },
    { WEBHOOKS_HELP },
    { MIGRATE_HELP },
    { USAGE_HELP },
    { RUNNER_HELP },
    { SUBMIT_HELP },
    { TASKS_HELP },
    { LOGIN_HELP },
  ] = await Promise.all([
    import('./commands/serve.ts'),
    import('./commands/admin.ts'),
    import('./commands/runners.ts'),
    import('./commands/webhooks.ts'),
    import('./commands/migrate.ts'),
    import('./commands/usage.ts'),
    import('./commands/runner.ts'),
    import('./commands/submit.ts'),
    import('./commands/tasks.ts'),
    import('./commands/login.ts'),
  ]);
  return `vidforge: self-hosted video generation

Server:
${SERVE_HELP.split('\n')[0]}
${ENDPOINTS_HELP}
${KEYS_HELP}
${RUNNERS_HELP}
${WEBHOOKS_HELP}
${MIGRATE_HELP}
${USAGE_HELP.split('\n')[0]}

Every admin command takes --config FILE and reads the same VIDFORGE_* settings as the server.

Runner (on a GPU machine; takes tasks from a server, token in VIDFORGE_RUNNER_TOKEN):
${RUNNER_HELP}

Client:
${SUBMIT_HELP}
${TASKS_HELP}
${LOGIN_HELP}

Client commands connect with --base-url/--endpoint/--key, VIDFORGE_BASE_URL/VIDFORGE_ENDPOINT/
VIDFORGE_ACCESS_KEY or the profile saved by \`vidforge login\`; --json (or a non-terminal stdout)
prints JSON only. \`vidforge COMMAND --help\` shows more.
Exit codes: 0 ok, 1 error, 2 usage, 3 config, 4 auth, 5 task failed, 6 timeout, 7 not found,
8 server unavailable, 130 interrupted; serve: 10 data directory, 11 cannot listen, 12 ffmpeg
missing, 13 database cannot be opened.`;
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`${await version()}\n`);
    return;
  }
  if (!name || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    process.stdout.write(`${await help()}\n`);
    return;
  }
  const helpOf = COMMAND_HELP[name === 'help' ? (rest[0] ?? '') : name];
  if (name === 'help' || rest.includes('--help') || rest.includes('-h')) {
    if (!helpOf) throw new CliError(`unknown command "${rest[0]}"; run \`vidforge --help\``, EXIT.usage);
    process.stdout.write(`${await helpOf()}\n`);
    return;
  }
  const load = COMMANDS[name];
  if (!load) throw new CliError(`unknown command "${name}"; run \`vidforge --help\``, EXIT.usage);
  await (await load())(rest);
}

/** The reader of our output went away (`vidforge download ID -o - | head -c 100`): nothing is wrong. */
const readerGone = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';
process.stdout.on('error', (error) => {
  if (readerGone(error)) process.exit(EXIT.ok);
  throw error;
});

main(process.argv.slice(2)).catch(async (error: unknown) => {
  if (readerGone(error)) process.exit(EXIT.ok);
  if (error instanceof CliError) {
    process.stderr.write(`vidforge: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  const { AdminError, ConfigError, StartupError } = await import('@vidforge/server/admin');
  if (error instanceof StartupError) {
    process.stderr.write(`vidforge: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT.config);
  }
  if (error instanceof AdminError) {
    process.stderr.write(`vidforge: ${error.message}\n`);
    process.exit(EXIT.failure);
  }
  process.stderr.write(`vidforge: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(EXIT.failure);
});
