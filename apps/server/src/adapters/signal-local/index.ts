export { LocalWorkSignal } from './local-work-signal.ts';
