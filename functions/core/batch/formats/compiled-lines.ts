import type { PartBlock } from './part-writer.ts';

/** The text of a block's rows, one line each. */
export type BlockText = (block: PartBlock) => string;

/**
 * A text format's writer of blocks, its line compiled once per column list into one expression over
 * the block's columns: `line(value)` is that expression, `value(i)` the expression of column i's value
 * in the row, and `helpers` the functions it calls by name. Only column indexes and literals enter
 * the code: a loop over per-column formatters took a fifth longer, an object per row twice as long.
 */
export function compiledLines(width: number, line: (value: (column: number) => string) => string, helpers: Record<string, (v: never) => string>): BlockText {
  const load = Array.from({ length: width }, (_, i) => `const c${i} = c[${i}];`).join(' ');
  const lineOf = new Function(...Object.keys(helpers), `return (c) => { ${load} return (r) => ${line((i) => `c${i}[r]`)}; };`)(...Object.values(helpers)) as (
    columns: PartBlock['values'],
  ) => (row: number) => string;
  return (block) => {
    const row = lineOf(block.values);
    let text = '';
    for (let r = 0; r < block.rows; r++) text += row(r);
    return text;
  };
}
