import { describe, expect, it } from 'vitest';
import { float32Decimal } from '../../../../../functions/core/batch/formats/float32-decimal.ts';
import { stopsOf, TextBytes } from '../../../../../functions/core/batch/formats/text-bytes.ts';
import { random, randomFloats } from './floats.ts';

/** Each value written on its own, as text. */
const float32Texts = (values: readonly number[]) => {
  const out = new TextBytes();
  return values.map((x) => {
    out.float32(x);
    return out.take().toString('utf8');
  });
};

describe('TextBytes', () => {
  it('writes a float32 as JavaScript prints float32Decimal, for random float32 values and at the edges of each notation', () => {
    const edges = [1e-7, 1e-6, 9.99999e-7, 1.5e-6, 1e-5, 0.1, 0.5, 1, 10, 100, 123456789, 1e11, 9.99999e11, 1e12, 5e-13, 1e-12, 1e21, 3.4e38, 1e-45, 0, -0, Number.NaN, Number.POSITIVE_INFINITY];
    const values = [...randomFloats(20_000), ...Float32Array.from({ length: 20_000 }, () => random.next()), ...edges.map(Math.fround), ...edges.map((x) => -Math.fround(x))];
    const texts = float32Texts(values);
    const differing = values.flatMap((x, i) => (texts[i] !== String(float32Decimal(x)) ? [[x, texts[i], String(float32Decimal(x))]] : []));
    expect(differing.slice(0, 5)).toEqual([]);
    expect(float32Texts([2.5e-9, 0.00001, -0.9876543283462524, 1e10].map(Math.fround))).toEqual(['2.5e-9', '0.00001', '-0.9876543', '10000000000']);
  });

  it('writes remembered float32 values as it writes new ones: the last value, the one before, or neither, zeros and NaN too', () => {
    const pool = [...randomFloats(6), 0, -0, Number.NaN, 1, -1];
    const sequence = Array.from({ length: 5_000 }, () => pool[Math.floor(random.next() * pool.length)]!);
    const out = new TextBytes();
    for (const x of sequence) {
      out.float32(x);
      out.byte(0x20);
    }
    expect(out.take().toString('utf8')).toBe(sequence.map((x) => `${String(float32Decimal(x))} `).join(''));
  });

  it('writes plain ASCII only when no character is a stop, and any text as UTF-8, across a growing buffer', () => {
    const out = new TextBytes();
    const stops = stopsOf('",');
    expect([out.plain('benign', stops), out.plain('a,b', stops), out.plain('é', stops), out.plain('say "hi"', stops)]).toEqual([true, false, false, false]);
    out.utf8('|é,"€"|');
    const long = 'x'.repeat(200_000);
    out.utf8(long);
    out.utf8('😀');
    expect(out.take().toString('utf8')).toBe(`benign|é,"€"|${long}😀`);
    expect(out.take()).toHaveLength(0);
  });

  it('sizes a block after the one before it: one large block does not make later small ones hold a buffer as large', () => {
    const out = new TextBytes();
    out.utf8('x'.repeat(8 << 20));
    expect(out.take()).toHaveLength(8 << 20);
    out.utf8('small\n');
    const small = out.take();
    expect(small.toString()).toBe('small\n');
    expect(small.buffer.byteLength).toBeLessThanOrEqual(11 << 20);
    out.utf8('small\n');
    expect(out.take().buffer.byteLength).toBeLessThanOrEqual(64 * 1024);
  });
});
