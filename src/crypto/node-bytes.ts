// Small Buffer/Uint8Array helpers shared by the node:crypto provider's files.

/** A zero-copy Uint8Array view of a Buffer (so callers never see Buffer-only behaviour). */
export function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}
