/** The error name of a chunk whose input no attempt can score. */
export const BAD_INPUT = 'BadInput';

/**
 * A chunk's input that no retry can make readable: a CSV header that is missing, not UTF-8 or not
 * parseable, lines ended by CR alone, a Parquet footer that does not parse or a column that ends
 * before its row group, a nested feature column, an object replaced or removed since the run was
 * planned. The state machine and `npm run score` fail such a chunk at once instead of retrying it.
 * A failed read is never one: the store may answer the next attempt.
 */
export class BadInput extends Error {
  override readonly name = BAD_INPUT;
}
