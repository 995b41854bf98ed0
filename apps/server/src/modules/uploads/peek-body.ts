/**
 * An upload says what it is only through its bytes: the first ones decide image or video, and so
 * which size limit applies, before the rest is read. The bytes read to decide are handed on in
 * front of the rest, so the checks in receiveSource see the whole file, sniff included.
 */
import { Readable } from 'node:stream';
import { EngineError } from '../../engines/engine.ts';
import { type MediaType, SNIFF_BYTES, sniffMediaType } from '../media/media-type.ts';

export type Peeked = { empty: true } | { empty: false; type: MediaType; body: Readable };

export async function peekMediaType(source: AsyncIterable<Uint8Array>): Promise<Peeked> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let ended = false;
  while (length < SNIFF_BYTES) {
    const step = await iterator.next();
    if (step.done) {
      ended = true;
      break;
    }
    chunks.push(step.value);
    length += step.value.byteLength;
  }
  if (length === 0) return { empty: true };
  const head = Buffer.concat(chunks);
  const type = sniffMediaType(head.subarray(0, SNIFF_BYTES));
  if (!type) {
    // Stops reading: the caller closes the connection rather than drain what it will refuse.
    await iterator.return?.();
    throw new EngineError(
      'SOURCE_UNSUPPORTED',
      'the file must be an image (JPEG, PNG or WebP) or a video (MP4, MOV, WebM or Matroska); its bytes are something else',
    );
  }
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      yield head;
      if (ended) return;
      for (;;) {
        const step = await iterator.next();
        if (step.done) return;
        yield step.value;
      }
    } finally {
      // Runs when the checks stop early (too large, wrong kind): the request stream is released.
      await iterator.return?.();
    }
  }
  return { empty: false, type, body: Readable.from(replay(), { objectMode: false }) };
}
