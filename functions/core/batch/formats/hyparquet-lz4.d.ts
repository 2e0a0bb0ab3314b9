// The LZ4 module of hyparquet-compressors on its own: its package root also loads the zstd and
// snappy decoders, which Node's zlib and hyparquet already provide here. Signatures as in its index.d.ts.
declare module 'hyparquet-compressors/src/lz4.js' {
  export function decompressLz4(input: Uint8Array, outputLength: number): Uint8Array;
  export function decompressLz4Raw(input: Uint8Array, outputLength: number): Uint8Array;
}
