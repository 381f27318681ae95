// Byte-string helpers shared by the pki modules.

/** Equality of public values (not constant time): the one in src/wire/bytes.ts, under pki's name. */
export { bytesEqual as equalBytes } from '../wire/bytes.js';

/** A string key for a byte string (one char per byte), for Map/Set look-ups. */
export function bytesKey(b: Uint8Array): string {
  let s = '';
  // apply() reads the typed array as an array-like: no iterator objects (a spread allocates per byte).
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, b.subarray(i, i + 4096) as unknown as number[]);
  return s;
}
