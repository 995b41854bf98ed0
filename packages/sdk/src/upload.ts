/**
 * Uploads (`POST …/uploads`): a local file becomes a URL for `config.sourceImage` or
 * `config.sourceVideo`. The core accepts what every runtime has (Blob, File, ArrayBuffer, typed
 * arrays); `@vidforge/sdk/node` adds file paths.
 */

/** What `uploadFile` takes in every runtime: a `File` from a file input or a drop is a Blob. */
export type UploadSource = Blob | ArrayBuffer | ArrayBufferView;

/** Default per-attempt limit of an upload: a large video on a slow link takes longer than a JSON call. */
export const UPLOAD_TIMEOUT_MS = 10 * 60_000;

/** The source as a Blob, so that a retry sends the same bytes again. */
export function toBlob(source: UploadSource): Blob {
  if (source instanceof Blob) return source;
  if (source instanceof ArrayBuffer) return new Blob([source]);
  if (ArrayBuffer.isView(source)) {
    // Copied: the caller may reuse its buffer while a retry still needs these bytes.
    return new Blob([new Uint8Array(source.buffer, source.byteOffset, source.byteLength).slice()]);
  }
  throw new TypeError('Vidforge: uploadFile takes a Blob, a File, an ArrayBuffer or a typed array');
}
