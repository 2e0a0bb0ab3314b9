import { brotliDecompressSync, gunzipSync, zstdDecompressSync } from 'node:zlib';
import type { Compressors } from 'hyparquet';

/**
 * Decompressors of the codecs Parquet writers use besides Snappy, which hyparquet reads itself:
 * ZSTD (Polars' default), GZIP and BROTLI, by Node's own zlib. Each returns the bytes it decoded,
 * which hyparquet checks against the page's length, so a corrupt page fails instead of decoding to
 * zeros.
 */
export const PARQUET_DECOMPRESSORS: Compressors = {
  GZIP: (input) => gunzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
  ZSTD: (input) => zstdDecompressSync(input),
};

/** Codecs read: those above, Snappy and none. LZ4 (deprecated), LZ4_RAW and LZO are not. */
export const READ_CODECS: ReadonlySet<string> = new Set(['UNCOMPRESSED', 'SNAPPY', ...Object.keys(PARQUET_DECOMPRESSORS)]);
