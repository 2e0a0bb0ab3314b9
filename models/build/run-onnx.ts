import ort from 'onnxruntime-node';

/** One graph input: rows of float32 numbers or of strings, fed as [N, width]. */
export type Feed = { readonly type: 'float32'; readonly rows: readonly (readonly number[])[] } | { readonly type: 'string'; readonly rows: readonly (readonly string[])[] };

/** Runs a graph once on whole matrices and returns `output` as rows of numbers (its last dimension is the row width). */
export async function runOnnx(onnx: Uint8Array, feeds: Record<string, Feed>, output: string): Promise<number[][]> {
  const session = await ort.InferenceSession.create(onnx);
  try {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, feed] of Object.entries(feeds)) {
      const dims = [feed.rows.length, feed.rows[0]!.length];
      tensors[name] = feed.type === 'float32' ? new ort.Tensor('float32', Float32Array.from(feed.rows.flat()), dims) : new ort.Tensor('string', feed.rows.flat(), dims);
    }
    const result = (await session.run(tensors, [output]))[output]!;
    const width = result.dims.at(-1)!;
    const values = Array.from(result.data as ArrayLike<number | bigint>, Number);
    return Array.from({ length: values.length / width }, (_, r) => values.slice(r * width, (r + 1) * width));
  } finally {
    await session.release();
  }
}
