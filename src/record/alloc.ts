// Output buffers the record layer fills completely: on Node, allocated without the zero fill that
// `new Uint8Array(n)` does (Buffer.allocUnsafeSlow: its own ArrayBuffer, never a shared pool slice);
// elsewhere (browsers, edge runtimes) a plain Uint8Array. The core stays free of node: imports.

type NodeBufferClass = { allocUnsafeSlow(n: number): Uint8Array };

const nodeBuffer = (globalThis as { Buffer?: NodeBufferClass }).Buffer;

/**
 * `n` bytes of uninitialised memory on Node. The caller must write every byte before the buffer
 * leaves its hands (and check that it did).
 */
export const allocUnfilled: (n: number) => Uint8Array =
  typeof nodeBuffer?.allocUnsafeSlow === 'function'
    ? (n) => {
        const b = nodeBuffer.allocUnsafeSlow(n);
        // A plain Uint8Array view: the record layer's subarray() calls then skip Buffer's species path.
        return new Uint8Array(b.buffer, b.byteOffset, n);
      }
    : (n) => new Uint8Array(n);
