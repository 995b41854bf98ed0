import type { IncomingHttpHeaders } from 'node:http';

/** Whether the request announces a body (a length above 0, or chunked). */
export function declaresBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0';
}
