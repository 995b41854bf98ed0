/**
 * Uploads (CONTRACT.md Part C): a local file sent to `POST /v1/ai/{endpointPath}/uploads` comes back
 * as a URL that the three POSTs accept as `config.sourceImage` or `config.sourceVideo`. The file is
 * checked like a fetched source (type from its bytes, size and dimension limits, a decode probe)
 * before the answer, so a task naming it does not fail later for a reason known now.
 */
import { z } from 'zod';
import { component } from './registry.ts';

export const UPLOAD_KINDS = ['image', 'video'] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];

/** The formats an upload may be, by what its bytes are (never its name or Content-Type header). */
export const UPLOAD_CONTENT_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'video/mp4',
  'video/quicktime',
  'video/webm',
  'video/x-matroska',
] as const;

export const UploadResponse = component(
  'UploadResponse',
  z.object({
    url: z.string().describe('Use as config.sourceImage (an image) or config.sourceVideo (a video) until expiresAt'),
    kind: z.enum(UPLOAD_KINDS).describe('What the bytes are: decides which field the URL fits'),
    contentType: z.enum(UPLOAD_CONTENT_TYPES).describe('The format found in the bytes'),
    size: z.number().int().positive().describe('Bytes stored'),
    expiresAt: z
      .number()
      .int()
      .describe('Epoch milliseconds; the file is kept until then (the result retention), then deleted'),
  }),
);
export type UploadResponse = z.infer<typeof UploadResponse>;
