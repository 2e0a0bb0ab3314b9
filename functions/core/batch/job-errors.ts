/**
 * The errors of a batch job that no retry can mend: the state machine's retrier and `npm run score`
 * fail them at once, and the manifest names them.
 */

/** The error name of a chunk whose input no attempt can score. */
export const BAD_INPUT = 'BadInput';

/**
 * A chunk's input that no retry can make readable: a CSV header that is missing, not UTF-8 or not
 * parseable, lines ended by CR alone, a Parquet footer that does not parse or a column that ends
 * before its row group, a nested feature column, a header or schema without a column scoring needs,
 * a gzip stream that is corrupt or cut short at the object's end, a JSON document given as JSON
 * Lines, a codec not read, an object replaced or removed since the run was planned. A failed read is
 * never one: the store may answer the next attempt.
 */
export class BadInput extends Error {
  override readonly name = BAD_INPUT;
}

export const OUTPUT_IN_USE = 'OutputInUse';

/**
 * A plan that found another run's results under its output. Nothing there is touched: its chunk
 * records would be taken for this run's (a chunk that finds one does nothing), so its parts would
 * be counted as this run's rows. Finalize, told of it, writes nothing either.
 */
export class OutputInUse extends Error {
  override readonly name = OUTPUT_IN_USE;
}

export const OTHER_MODEL = 'OtherModel';

/**
 * A worker serving another model version than the one that committed chunks under the output (a
 * deploy during a run, or a rerun with another version of a chunk left uncommitted): its rows would
 * sit beside that version's. Its chunk fails at once, and the run's manifest says why.
 */
export class OtherModel extends Error {
  override readonly name = OTHER_MODEL;
}

/** The errors that fail a step at once, in the state machine and in `npm run score`: no retry mends them. */
export const FAILED_AT_ONCE: readonly string[] = [BAD_INPUT, OUTPUT_IN_USE, OTHER_MODEL];
