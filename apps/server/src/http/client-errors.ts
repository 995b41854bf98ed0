/**
 * Answers for requests that never reach a route: headers too large (431), a malformed request line
 * or Content-Length (400), headers or a whole request that did not arrive in time (408). Node's
 * HTTP parser reports them as `clientError`, with only the socket; they still get the API's error
 * shape and an X-Request-Id, then the connection is closed (its byte stream is no longer trusted).
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ApiErrorCode, ErrorBody } from '@vidforge/contract';
import { API_ERROR_STATUS } from '@vidforge/contract';

function classify(code: string | undefined): [ApiErrorCode, string] {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return ['REQUEST_TIMEOUT', 'The request did not arrive in time'];
    case 'HPE_HEADER_OVERFLOW':
      return ['HEADERS_TOO_LARGE', 'The request headers are too large'];
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return ['INVALID_REQUEST', 'The Content-Length header is not valid'];
    default:
      return ['INVALID_REQUEST', 'The request is not valid HTTP'];
  }
}

export function onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection is gone; a socket with a response under way cannot take another.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable || (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const [code, message] = classify(error.code);
  const requestId = randomUUID();
  const body = JSON.stringify({ error: { code, message, requestId } } satisfies ErrorBody);
  const status = API_ERROR_STATUS[code];
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
