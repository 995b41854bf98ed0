/**
 * File type from the first bytes, never from a name or a Content-Type header. Only the formats
 * the engines accept are recognised; everything else (HTML, playlists, ZIP, HEIC, GIF ...) is
 * unsupported.
 */
import type { SourceKind } from '../../engines/engine.ts';

export type MediaFormat = 'jpeg' | 'png' | 'webp' | 'mp4' | 'mov' | 'webm' | 'matroska';

export interface MediaType {
  format: MediaFormat;
  kind: SourceKind;
  contentType: string;
  extension: string;
  /** ffmpeg demuxer names that may open this file (input `-format_whitelist`). */
  demuxers: string;
}

const TYPES: Record<MediaFormat, MediaType> = {
  jpeg: { format: 'jpeg', kind: 'image', contentType: 'image/jpeg', extension: 'jpg', demuxers: 'jpeg_pipe' },
  png: { format: 'png', kind: 'image', contentType: 'image/png', extension: 'png', demuxers: 'png_pipe' },
  webp: { format: 'webp', kind: 'image', contentType: 'image/webp', extension: 'webp', demuxers: 'webp_pipe' },
  // `mov` is the demuxer of the whole ISO-BMFF family; `matroska` also reads WebM.
  mp4: { format: 'mp4', kind: 'video', contentType: 'video/mp4', extension: 'mp4', demuxers: 'mov' },
  mov: { format: 'mov', kind: 'video', contentType: 'video/quicktime', extension: 'mov', demuxers: 'mov' },
  webm: { format: 'webm', kind: 'video', contentType: 'video/webm', extension: 'webm', demuxers: 'matroska' },
  matroska: {
    format: 'matroska',
    kind: 'video',
    contentType: 'video/x-matroska',
    extension: 'mkv',
    demuxers: 'matroska',
  },
};

/** Bytes of the head that `sniffMediaType` needs to decide. */
export const SNIFF_BYTES = 64;

/** ISO-BMFF brands that are still images or audio, not video. */
const NON_VIDEO_BRANDS = new Set(['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis', 'M4A ']);

const ascii = (head: Uint8Array, start: number, end: number) => String.fromCharCode(...head.subarray(start, end));

export function sniffMediaType(head: Uint8Array): MediaType | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return TYPES.jpeg;
  if (head.length >= 8 && ascii(head, 0, 8) === '\x89PNG\r\n\x1a\n') return TYPES.png;
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return TYPES.webp;
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    if (NON_VIDEO_BRANDS.has(brand)) return null;
    return brand === 'qt  ' ? TYPES.mov : TYPES.mp4;
  }
  // Old QuickTime files start straight with an atom instead of `ftyp`.
  if (head.length >= 8 && ['moov', 'mdat', 'wide', 'free', 'skip'].includes(ascii(head, 4, 8))) return TYPES.mov;
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    return matroskaDocType(head) === 'webm' ? TYPES.webm : TYPES.matroska;
  }
  return null;
}

/** The EBML DocType element (id 0x4282) inside the header, if it is in the head. */
function matroskaDocType(head: Uint8Array): string | null {
  for (let i = 4; i + 3 < head.length; i++) {
    if (head[i] === 0x42 && head[i + 1] === 0x82) {
      const size = head[i + 2]! & 0x7f; // one-byte vint (0x80 | n), what every muxer writes here
      return ascii(head, i + 3, Math.min(head.length, i + 3 + size));
    }
  }
  return null;
}

export function describeKind(kind: SourceKind): string {
  return kind === 'image' ? 'an image (JPEG, PNG or WebP)' : 'a video (MP4, MOV, WebM or Matroska)';
}

/** The type a fetched source was sniffed as, from its recorded content type. */
export function mediaTypeForContentType(contentType: string): MediaType | null {
  return Object.values(TYPES).find((type) => type.contentType === contentType) ?? null;
}
