/**
 * Image dimensions read from the file header, before any decoder sees the file: a 300 KB PNG can
 * declare 10000×10000 pixels and cost hundreds of MB to decode (reference §2.3), so the declared
 * size is checked first.
 */
import { open } from 'node:fs/promises';
import type { MediaFormat } from './media-type.ts';

export interface Dimensions {
  width: number;
  height: number;
}

/** Null when the header is missing or malformed. */
export async function readImageDimensions(path: string, format: MediaFormat): Promise<Dimensions | null> {
  const file = await open(path, 'r');
  try {
    const read = async (position: number, length: number): Promise<Uint8Array> => {
      const buffer = new Uint8Array(length);
      const { bytesRead } = await file.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    };
    if (format === 'png') return pngDimensions(await read(0, 24));
    if (format === 'webp') return webpDimensions(await read(0, 30));
    if (format === 'jpeg') return await jpegDimensions(read);
    return null;
  } finally {
    await file.close();
  }
}

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const ascii = (bytes: Uint8Array, start: number, end: number) => String.fromCharCode(...bytes.subarray(start, end));

function pngDimensions(head: Uint8Array): Dimensions | null {
  // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4): IHDR must come first.
  if (head.length < 24 || ascii(head, 12, 16) !== 'IHDR') return null;
  return { width: view(head).getUint32(16), height: view(head).getUint32(20) };
}

function webpDimensions(head: Uint8Array): Dimensions | null {
  if (head.length < 30) return null;
  const chunk = ascii(head, 12, 16);
  const data = view(head);
  if (chunk === 'VP8 ') {
    // Lossy: a key frame start code, then 14-bit width and height (the top 2 bits are scaling).
    if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a) return null;
    return { width: data.getUint16(26, true) & 0x3fff, height: data.getUint16(28, true) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (head[20] !== 0x2f) return null;
    const bits = data.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    const width = 1 + (head[24]! | (head[25]! << 8) | (head[26]! << 16));
    const height = 1 + (head[27]! | (head[28]! << 8) | (head[29]! << 16));
    return { width, height };
  }
  return null;
}

/** Start-of-frame markers carry the size: C0..CF except DHT (C4), JPG (C8) and DAC (CC). */
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);

/** Walks the marker segments up to the first start-of-frame (EXIF thumbnails can push it far). */
async function jpegDimensions(read: (position: number, length: number) => Promise<Uint8Array>) {
  let position = 2;
  // A bound on segments walked, so a file of endless tiny segments cannot keep us here.
  for (let segments = 0; segments < 1000; segments++) {
    const header = await read(position, 9);
    if (header.length < 4 || header[0] !== 0xff) return null;
    const marker = header[1]!;
    if (marker === 0xff) {
      position += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      position += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan data before any frame header
    const length = view(header).getUint16(2);
    if (length < 2) return null;
    if (isStartOfFrame(marker)) {
      if (header.length < 9) return null;
      return { height: view(header).getUint16(5), width: view(header).getUint16(7) };
    }
    position += 2 + length;
  }
  return null;
}
