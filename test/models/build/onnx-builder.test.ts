import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { floats, GraphBuilder, int64s, ML_DOMAIN, strings } from '../../../models/build/onnx-builder.ts';

describe('ONNX builder', () => {
  it('writes a graph with initializers, float, int64 and string constants, tensor/int/string attributes and the ai.onnx.ml opset that ONNX Runtime runs', async () => {
    const g = new GraphBuilder('probe');
    const x = g.input('x', 'float32', 2);
    const colour = g.input('colour', 'string', 1);
    const scale = g.node('Constant', [], 'scale', { value: { tensor: floats([1, 2], [10, 100]) } });
    g.output(g.node('Mul', [x, scale], 'scaled'), 'float32', 2);
    const code = g.node('LabelEncoder', [colour], 'code', { keys_strings: { strings: ['red', 'blue'] }, values_int64s: { ints: [1, 2] }, default_int64: { int: -1 } }, ML_DOMAIN);
    g.output(g.node('Add', [code, g.constant('offset', int64s([1], [100]))], 'shifted'), 'int64', 1);
    const unknown = g.node('Equal', [code, g.constant('minus_one', int64s([1], [-1]))], 'is_unknown');
    g.output(g.node('Where', [unknown, g.constant('placeholder', strings([1], ['?'])), colour], 'cleaned'), 'string', 1);

    const session = await ort.InferenceSession.create(g.toBytes());
    try {
      expect(session.inputMetadata.map((m) => (m.isTensor ? [m.name, m.type, m.shape] : []))).toEqual([
        ['x', 'float32', ['N', 2]],
        ['colour', 'string', ['N', 1]],
      ]);
      const out = await session.run({
        x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2]),
        colour: new ort.Tensor('string', ['blue', 'green'], [2, 1]),
      });
      expect(Array.from(out.scaled!.data as Float32Array)).toEqual([10, 200, 30, 400]);
      expect(Array.from(out.shifted!.data as BigInt64Array)).toEqual([102n, 99n]);
      expect(out.cleaned!.data).toEqual(['blue', '?']);
    } finally {
      await session.release();
    }
  });

  it('writes the same bytes for the same graph', () => {
    const build = () => {
      const g = new GraphBuilder('same');
      g.output(g.node('Relu', [g.input('x', 'float32', 3)], 'y'), 'float32', 3);
      return g.toBytes('doc');
    };
    expect(build()).toEqual(build());
  });

  it('refuses a tensor whose values do not fill its dims, and a domain without a known opset', () => {
    const g = new GraphBuilder('bad');
    expect(() => g.constant('t', floats([2, 2], [1, 2, 3]))).toThrow(/hold 4 values, got 3/);
    expect(() => g.node('Foo', [], 'y', {}, 'com.example')).toThrow(/no opset known/);
  });
});
