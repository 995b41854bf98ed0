/** Idempotency keys for submits: 128 random bits, so a retried POST can never collide with another. */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  // getRandomValues (unlike randomUUID) also works on plain-http pages, which are not secure contexts.
  globalThis.crypto.getRandomValues(bytes);
  return `vf_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
