/** `vidforge`: one binary for the server, its admin commands and (later) the API client. */
import { AdminError, ConfigError } from '@vidforge/server/admin';
import { CliError, EXIT } from './cli-error.ts';
import { ENDPOINTS_HELP, endpoints, KEYS_HELP, keys } from './commands/admin.ts';
import { SERVE_HELP, serve } from './commands/serve.ts';

const HELP = `vidforge: self-hosted video generation

Server:
${SERVE_HELP.split('\n')[0]}
${ENDPOINTS_HELP}
${KEYS_HELP}

Every admin command takes --config FILE and reads the same VIDFORGE_* settings as the server.`;

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = { serve, endpoints, keys };

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new CliError(`unknown command "${name}"; run \`vidforge --help\``, EXIT.usage);
  await command(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT.config);
  }
  if (error instanceof CliError || error instanceof AdminError) {
    process.stderr.write(`vidforge: ${error.message}\n`);
    process.exit(error instanceof CliError ? error.exitCode : EXIT.failure);
  }
  process.stderr.write(`vidforge: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(EXIT.failure);
});
