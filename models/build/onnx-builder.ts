import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS assigning module.exports at runtime, so Node cannot see named exports.
const { onnx } = onnxProto;

/** Element types the builder writes, with their TensorProto.DataType codes. */
const DATA_TYPE = { float32: 1, int64: 7, string: 8 } as const;
export type ElementType = keyof typeof DATA_TYPE;

export type Tensor =
  | { readonly type: 'float32'; readonly dims: readonly number[]; readonly values: readonly number[] }
  | { readonly type: 'int64'; readonly dims: readonly number[]; readonly values: readonly number[] }
  | { readonly type: 'string'; readonly dims: readonly number[]; readonly values: readonly string[] };

export const floats = (dims: readonly number[], values: readonly number[]): Tensor => ({ type: 'float32', dims, values });
export const int64s = (dims: readonly number[], values: readonly number[]): Tensor => ({ type: 'int64', dims, values });
export const strings = (dims: readonly number[], values: readonly string[]): Tensor => ({ type: 'string', dims, values });

/** An attribute value; the key names the AttributeProto field, so ints and floats cannot be confused. */
export type Attribute =
  | { readonly int: number }
  | { readonly ints: readonly number[] }
  | { readonly float: number }
  | { readonly floats: readonly number[] }
  | { readonly string: string }
  | { readonly strings: readonly string[] }
  | { readonly tensor: Tensor };

export const ML_DOMAIN = 'ai.onnx.ml';

/** IR 8 with ai.onnx 15 and ai.onnx.ml 2: the newest set the onnx-proto schema (onnx 1.10) describes. */
const IR_VERSION = 8;
const OPSETS: Record<string, number> = { '': 15, [ML_DOMAIN]: 2 };

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function tensorProto(name: string, t: Tensor): onnxProto.onnx.ITensorProto {
  const size = t.dims.reduce((a, b) => a * b, 1);
  if (size !== t.values.length) throw new Error(`tensor ${name}: dims [${t.dims.join(', ')}] hold ${size} values, got ${t.values.length}`);
  const base = { name, dims: [...t.dims], dataType: DATA_TYPE[t.type] };
  switch (t.type) {
    case 'float32':
      return { ...base, floatData: [...t.values] };
    case 'int64':
      return { ...base, int64Data: [...t.values] };
    case 'string':
      return { ...base, stringData: t.values.map(utf8) };
  }
}

const AttributeType = onnx.AttributeProto.AttributeType;

function attributeProto(name: string, a: Attribute): onnxProto.onnx.IAttributeProto {
  if ('int' in a) return { name, type: AttributeType.INT, i: a.int };
  if ('ints' in a) return { name, type: AttributeType.INTS, ints: [...a.ints] };
  if ('float' in a) return { name, type: AttributeType.FLOAT, f: a.float };
  if ('floats' in a) return { name, type: AttributeType.FLOATS, floats: [...a.floats] };
  if ('string' in a) return { name, type: AttributeType.STRING, s: utf8(a.string) };
  if ('strings' in a) return { name, type: AttributeType.STRINGS, strings: a.strings.map(utf8) };
  return { name, type: AttributeType.TENSOR, t: tensorProto('', a.tensor) };
}

/** A [N, width] value: the batch dimension is symbolic so one graph serves any batch size. */
function batchValue(name: string, type: ElementType, width: number): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: DATA_TYPE[type], shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } },
  };
}

/** Accumulates one graph and encodes it as ModelProto bytes. */
export class GraphBuilder {
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly domains = new Set<string>(['']);

  constructor(private readonly name: string) {}

  /** Declares a graph input of shape [N, width]; returns its name. */
  input(name: string, type: ElementType, width: number): string {
    this.inputs.push(batchValue(name, type, width));
    return name;
  }

  /** Declares a graph output of shape [N, width]; some node must produce `name`. */
  output(name: string, type: ElementType, width: number): string {
    this.outputs.push(batchValue(name, type, width));
    return name;
  }

  /** Adds a constant; returns its name for use as a node input. */
  constant(name: string, tensor: Tensor): string {
    this.initializers.push(tensorProto(name, tensor));
    return name;
  }

  /** Adds a node producing `output`; returns `output` so calls chain. */
  node(opType: string, inputs: readonly string[], output: string, attributes: Record<string, Attribute> = {}, domain = ''): string {
    if (!(domain in OPSETS)) throw new Error(`no opset known for domain "${domain}"`);
    this.domains.add(domain);
    this.nodes.push({
      name: `${opType}_${this.nodes.length}`,
      opType,
      domain,
      input: [...inputs],
      output: [output],
      attribute: Object.entries(attributes).map(([key, value]) => attributeProto(key, value)),
    });
    return output;
  }

  /** The ModelProto bytes; identical calls give identical bytes (no timestamps, insertion order only). */
  toBytes(docString = ''): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'serverless-inference models/build',
      docString,
      opsetImport: [...this.domains].map((domain) => ({ domain, version: OPSETS[domain]! })),
      graph: {
        name: this.name,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
        node: this.nodes,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
