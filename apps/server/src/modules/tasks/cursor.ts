/** List cursors are opaque to clients: base64url of the last row's (createdAt, id). */
import { TASK_ID_PATTERN } from '@vidforge/contract';

export interface Cursor {
  createdAt: number;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.createdAt}.${cursor.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string): Cursor | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return null;
  const match = /^(\d{1,15})\.(.+)$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match || !TASK_ID_PATTERN.test(match[2]!)) return null;
  return { createdAt: Number(match[1]), id: match[2]! };
}
