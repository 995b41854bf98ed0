/** What a failed listen() means for the operator. */
import { StartupError } from './startup-error.ts';

/** `portSetting`: the variable to name when the port is the problem. */
export function listenError(error: unknown, host: string, port: number, portSetting = 'VIDFORGE_PORT'): StartupError {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  const message =
    code === 'EADDRINUSE'
      ? `port ${port} on ${host} is already in use: stop what uses it, or choose another with ${portSetting}`
      : code === 'EACCES'
        ? `no permission to listen on ${where}: ports below 1024 need privileges; choose another with ${portSetting}`
        : code === 'EADDRNOTAVAIL'
          ? `${host} is not an address of this machine (VIDFORGE_HOST)`
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? `the host name ${host} (VIDFORGE_HOST) does not resolve`
            : `cannot listen on ${where}: ${(error as Error).message}`;
  return new StartupError('listen', message, { cause: error });
}
