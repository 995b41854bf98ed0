export { localLeaderLock } from './leader-lock.ts';
export { createLocalWorkSignal } from './local-work-signal.ts';
