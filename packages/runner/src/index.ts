/**
 * @vidforge/runner: the client side of the runner protocol (docs/runner-protocol.md) and the loop
 * that runs tasks with an {@link Executor}. `vidforge runner` plugs the preview engine into it.
 */
export { type ClientErrorCode, ExecutorError, RunnerProtocolError } from './errors.ts';
export type {
  Executor,
  ExecutorContext,
  ExecutorOutput,
  ExecutorTask,
  LocalSource,
  SourceKind,
} from './executor.ts';
export { type ClaimOptions, type HeartbeatInput, RunnerClient, type RunnerClientOptions } from './protocol-client.ts';
export { createRunner, type Runner, type RunnerExit, type RunnerLog, type RunnerOptions } from './runner.ts';
