/**
 * The connection cap must leave descriptors for the work itself: each running task holds files,
 * ffmpeg's pipes and source sockets, and SQLite holds its files. When the process's descriptor
 * limit is too low for the configured cap, the cap is lowered (and the operator told), because a
 * spawn that fails for want of a descriptor is a failed task, and before the fix a crashed server.
 */
import { readFileSync } from 'node:fs';

/** Descriptors kept for everything but client connections. */
export const RESERVED_DESCRIPTORS = 256;

/** The soft RLIMIT_NOFILE, from /proc on Linux; null where it cannot be read. */
export function descriptorLimit(limitsText?: string): number | null {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return null;
    }
  }
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(text);
  if (!match) return null;
  return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
}

export function connectionCap(
  configured: number,
  log: { warn(obj: object, msg: string): void },
  limit: number | null = descriptorLimit(),
): number {
  if (limit === null || configured + RESERVED_DESCRIPTORS <= limit) return configured;
  const cap = Math.max(16, limit - RESERVED_DESCRIPTORS);
  log.warn(
    { configured, descriptorLimit: limit, cap },
    'the descriptor limit (ulimit -n) is too low for VIDFORGE_MAX_CONNECTIONS: connections capped lower; raise the limit to serve more',
  );
  return cap;
}
