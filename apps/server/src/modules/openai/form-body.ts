/**
 * The body of a create or an extension: a JSON object, or multipart/form-data as the official SDKs
 * send it (text fields, `name[key]` for an object's fields, at most one file). The file is checked
 * and stored while the form streams in (uploads.ts); a data: URL in `input_reference.image_url` is
 * decoded and goes through the same checks. Limits are set where the parser is registered
 * (openai.routes.ts); every violation is an OpenAI error, and the connection is closed on the rest.
 */
import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { EngineError, type SourceKind } from '../../engines/engine.ts';
import type { MediaConfig } from '../media/media.config.ts';
import { maxBytesOf, type StoredUpload, type Uploads } from '../uploads/uploads.ts';
import { invalidParam, OpenAiError } from './openai-errors.ts';

const FIELD_NAME = /^([a-z][a-z0-9_]{0,39})(?:\[([a-z][a-z0-9_]{0,39})\])?$/;

export interface FormBody {
  fields: Record<string, unknown>;
  /** The uploaded file, checked and stored. */
  upload?: StoredUpload;
}

export interface FormOptions {
  /** The one field that may carry a file, and what kind of media it must be; absent: no file. */
  file?: { field: string; kind: SourceKind };
  uploads: Uploads;
  media: MediaConfig;
  signal: AbortSignal;
}

export async function readFormBody(request: FastifyRequest, options: FormOptions): Promise<FormBody> {
  if (!request.isMultipart()) {
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new OpenAiError(400, 'The request body must be a JSON object', { code: 'invalid_body' });
    }
    return { fields: body as Record<string, unknown> };
  }
  const values = new Map<string, string | Map<string, string>>();
  let upload: StoredUpload | undefined;
  const parts = request.parts()[Symbol.asyncIterator]();
  for (;;) {
    const step = await parts.next().catch((error: unknown) => {
      throw formError(error);
    });
    if (step.done) break;
    const part = step.value;
    const match = FIELD_NAME.exec(part.fieldname);
    if (!match)
      throw invalidParam(
        part.fieldname.slice(0, 80),
        `"${part.fieldname.slice(0, 80)}" is not a field name`,
        'unknown_parameter',
      );
    const [, name, key] = match as unknown as [string, string, string | undefined];
    if (part.type === 'file') {
      if (part.fieldname !== options.file?.field) {
        part.file.destroy();
        throw invalidParam(part.fieldname, `${part.fieldname} cannot be a file here`, 'unexpected_file');
      }
      upload = await options.uploads.store(part.file, options.file.kind, options.signal).catch((error: unknown) => {
        // The form broke off inside the file (busboy's errors carry no code): the client's fault.
        throw error instanceof EngineError || request.raw.complete ? error : formError(error);
      });
      if (part.file.truncated) throw tooLarge(options.file.field, maxBytesOf(options.file.kind, options.media));
      continue;
    }
    if (part.valueTruncated) {
      throw new OpenAiError(413, `${part.fieldname} is longer than the form allows`, {
        param: name,
        code: 'field_too_large',
      });
    }
    const value = String(part.value);
    const existing = values.get(name);
    if (key === undefined) {
      if (existing !== undefined) throw invalidParam(name, `${name} is given twice`, 'duplicate_parameter');
      values.set(name, value);
    } else {
      const object = existing instanceof Map ? existing : new Map<string, string>();
      if (typeof existing === 'string' || object.has(key)) {
        throw invalidParam(name, `${part.fieldname} is given twice`, 'duplicate_parameter');
      }
      object.set(key, value);
      values.set(name, object);
    }
  }
  if (upload && options.file && values.has(options.file.field)) {
    const field = options.file.field;
    throw invalidParam(field, `${field} is given both as a file and as fields`, 'duplicate_parameter');
  }
  // fromEntries defines own properties: a field called __proto__ stays data (and zod rejects it).
  const fields = Object.fromEntries(
    [...values].map(([name, value]) => [name, value instanceof Map ? Object.fromEntries(value) : value]),
  );
  return { fields, ...(upload ? { upload } : {}) };
}

/** Parser limits keep their code (openai-errors.ts maps them); anything else is a malformed form. */
function formError(error: unknown): unknown {
  if (error && typeof error === 'object' && 'code' in error && String(error.code).startsWith('FST_')) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new OpenAiError(400, `The form could not be parsed: ${message}`, { code: 'invalid_body' });
}

const tooLarge = (param: string, maxBytes: number) =>
  new OpenAiError(413, `${param}: the file is larger than ${maxBytes} bytes`, { param, code: 'source_too_large' });

const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+)?((?:;[a-z0-9=.+-]+)*);base64,([A-Za-z0-9+/=\s]*)$/i;

/** A base64 data: URL's bytes as a stream for the upload checks; null when `url` is not a data: URL. */
export function dataUrlBody(url: string, param: string, maxBytes: number): Readable | null {
  if (!url.startsWith('data:')) return null;
  const match = DATA_URL.exec(url);
  if (!match) throw invalidParam(param, `${param}: a data: URL must be base64 (data:image/png;base64,...)`);
  const base64 = match[3]!.replace(/\s+/g, '');
  // Refused before decoding: the decoded size is at least 3/4 of the text, less padding.
  if (Math.floor((base64.length * 3) / 4) - 2 > maxBytes) throw tooLarge(param, maxBytes);
  return Readable.from([Buffer.from(base64, 'base64')]);
}
