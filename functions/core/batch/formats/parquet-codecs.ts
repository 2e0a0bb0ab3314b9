import { brotliDecompressSync, gunzipSync, zstdDecompressSync } from 'node:zlib';
import type { Compressors } from 'hyparquet';
import { decompressLz4, decompressLz4Raw } from 'hyparquet-compressors/src/lz4.js';

/**
 * Decompressors of the codecs Parquet writers use besides Snappy, which hyparquet reads itself:
 * ZSTD (Polars' default), GZIP, BROTLI by Node's own zlib, the two LZ4 framings by
 * hyparquet-compressors. Only LZO, which no current writer emits, stays unread.
 */
export const PARQUET_DECOMPRESSORS: Compressors = {
  GZIP: (input) => gunzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
  ZSTD: (input) => zstdDecompressSync(input),
  LZ4: decompressLz4,
  LZ4_RAW: decompressLz4Raw,
};
