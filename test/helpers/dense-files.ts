import * as fs from 'node:fs';

// Dense networks written by the tests as PyTorch and onnx would write them, from the
// formats' descriptions (safetensors: an 8-byte header size, a JSON header, raw tensors;
// ONNX: protocol-buffer messages of onnx/onnx.proto), sharing nothing with the native
// readers, plus a plain forward pass to check the readers' numbers against.

/** One layer: W [outputs][inputs] row-major as PyTorch's Linear keeps it, b [outputs]. */
export interface TestLayer {
  inputs: number;
  outputs: number;
  weight: Float32Array;
  bias: Float32Array;
}

/** Random layers of the given widths (e.g. [16, 12, 3]), weights scaled by 1/√inputs. */
export function randomLayers(widths: number[], random: () => number): TestLayer[] {
  const layers: TestLayer[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const [inputs, outputs] = [widths[l], widths[l + 1]];
    const scale = 2 / Math.sqrt(inputs);
    const weight = Float32Array.from({ length: inputs * outputs }, () => (random() - 0.5) * scale);
    const bias = Float32Array.from({ length: outputs }, () => (random() - 0.5) * 0.2);
    layers.push({ inputs, outputs, weight, bias });
  }
  return layers;
}

/** The network's outputs for one input, ReLU between layers, in double. */
export function forward(layers: TestLayer[], x: ArrayLike<number>): number[] {
  let v = Array.from(x);
  layers.forEach((layer, l) => {
    const y: number[] = [];
    for (let j = 0; j < layer.outputs; j++) {
      let sum = layer.bias[j];
      for (let i = 0; i < layer.inputs; i++) sum += layer.weight[j * layer.inputs + i] * v[i];
      y.push(l + 1 < layers.length ? Math.max(0, sum) : sum);
    }
    v = y;
  });
  return v;
}

/**
 * Shifts the last layer's bias so that every output has mean 0 over `samples` (each of
 * layers[0].inputs values): a random network otherwise sends nearly every input to one
 * class, and mimicking it would prove nothing.
 */
export function centreOutputs(layers: TestLayer[], samples: Float32Array): void {
  const last = layers[layers.length - 1];
  const width = layers[0].inputs;
  const count = samples.length / width;
  const mean = new Float64Array(last.outputs);
  for (let n = 0; n < count; n++) {
    forward(layers, samples.subarray(n * width, (n + 1) * width)).forEach((v, k) => (mean[k] += v / count));
  }
  for (let k = 0; k < last.outputs; k++) last.bias[k] -= mean[k];
}

/** Writes tensors (name → shape and float data) as a safetensors file of F32 tensors. */
export function writeSafetensorsFloats(file: string, tensors: Record<string, { shape: number[]; data: Float32Array }>): void {
  const header: Record<string, unknown> = {};
  const blobs: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    blobs.push(bytes);
    offset += bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([size, json, ...blobs]));
}

/** The layers as PyTorch's state dict of Linear layers named fc1, fc2, … */
export function writeDenseSafetensors(file: string, layers: TestLayer[]): void {
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  layers.forEach((layer, l) => {
    tensors[`fc${l + 1}.weight`] = { shape: [layer.outputs, layer.inputs], data: layer.weight };
    tensors[`fc${l + 1}.bias`] = { shape: [layer.outputs], data: layer.bias };
  });
  writeSafetensorsFloats(file, tensors);
}

// ---- protocol buffers, the few encodings ONNX needs ----

function varint(value: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return Buffer.from(bytes);
}

const key = (field: number, wire: number): Buffer => varint((field << 3) | wire);
const int = (field: number, value: number): Buffer => Buffer.concat([key(field, 0), varint(value)]);
const bytesField = (field: number, data: Buffer): Buffer => Buffer.concat([key(field, 2), varint(data.length), data]);
const str = (field: number, text: string): Buffer => bytesField(field, Buffer.from(text));
function float32(field: number, value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatLE(value);
  return Buffer.concat([key(field, 5), b]);
}

/** A TensorProto of floats: `raw` stores raw_data, otherwise packed float_data. */
export function onnxTensor(name: string, dims: number[], data: Float32Array, raw = true): Buffer {
  const parts = [bytesField(1, Buffer.concat(dims.map((d) => varint(d)))), int(2, 1), str(8, name)];
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  parts.push(raw ? bytesField(9, bytes) : bytesField(4, bytes));
  return Buffer.concat(parts);
}

/** A TensorProto of int64 (a Reshape's target shape). */
export function onnxInt64Tensor(name: string, values: number[]): Buffer {
  return Buffer.concat([bytesField(1, varint(values.length)), int(2, 7), str(8, name), bytesField(7, Buffer.concat(values.map((v) => varint(v))))]);
}

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  /** Integer and float attributes. */
  ints?: Record<string, number>;
  floats?: Record<string, number>;
}

function onnxNode(node: OnnxNode): Buffer {
  const parts = [
    ...node.inputs.map((n) => str(1, n)),
    ...node.outputs.map((n) => str(2, n)),
    str(3, node.name ?? `${node.op}_${node.outputs[0]}`),
    str(4, node.op),
  ];
  for (const [name, value] of Object.entries(node.ints ?? {})) parts.push(bytesField(5, Buffer.concat([str(1, name), int(3, value), int(20, 2)])));
  for (const [name, value] of Object.entries(node.floats ?? {})) parts.push(bytesField(5, Buffer.concat([str(1, name), float32(2, value), int(20, 1)])));
  return Buffer.concat(parts);
}

/** A ModelProto (opset 13) of the nodes and initializers (TensorProto messages). */
export function onnxModel(nodes: OnnxNode[], initializers: Buffer[], input: string, output: string): Buffer {
  const graph = Buffer.concat([
    ...nodes.map((n) => bytesField(1, onnxNode(n))),
    str(2, 'test-graph'),
    ...initializers.map((t) => bytesField(5, t)),
    bytesField(11, str(1, input)),
    bytesField(12, str(1, output)),
  ]);
  const opset = Buffer.concat([str(1, ''), int(2, 13)]);
  return Buffer.concat([int(1, 8), str(2, 'polychron-test'), bytesField(8, opset), bytesField(7, graph)]);
}

/**
 * The layers as torch.onnx.export writes an MLP: Flatten, then Gemm (transB = 1) and Relu
 * per layer. `matmul` writes the layers as MatMul + Add (weights transposed) instead, the
 * other common form; `raw` chooses raw_data or float_data for the weights.
 */
export function denseOnnx(layers: TestLayer[], options: { matmul?: boolean; raw?: boolean } = {}): Buffer {
  const nodes: OnnxNode[] = [{ op: 'Flatten', inputs: ['input'], outputs: ['flat'], ints: { axis: 1 } }];
  const initializers: Buffer[] = [];
  let current = 'flat';
  layers.forEach((layer, l) => {
    const out = `h${l}`;
    if (options.matmul) {
      const transposed = new Float32Array(layer.inputs * layer.outputs);
      for (let j = 0; j < layer.outputs; j++) for (let i = 0; i < layer.inputs; i++) transposed[i * layer.outputs + j] = layer.weight[j * layer.inputs + i];
      initializers.push(onnxTensor(`W${l}`, [layer.inputs, layer.outputs], transposed, options.raw ?? true));
      initializers.push(onnxTensor(`b${l}`, [layer.outputs], layer.bias, options.raw ?? true));
      nodes.push({ op: 'MatMul', inputs: [current, `W${l}`], outputs: [`${out}m`] });
      nodes.push({ op: 'Add', inputs: [`${out}m`, `b${l}`], outputs: [out] });
    } else {
      initializers.push(onnxTensor(`W${l}`, [layer.outputs, layer.inputs], layer.weight, options.raw ?? true));
      initializers.push(onnxTensor(`b${l}`, [layer.outputs], layer.bias, options.raw ?? true));
      nodes.push({ op: 'Gemm', inputs: [current, `W${l}`, `b${l}`], outputs: [out], ints: { transB: 1 }, floats: { alpha: 1, beta: 1 } });
    }
    current = out;
    if (l + 1 < layers.length) {
      nodes.push({ op: 'Relu', inputs: [current], outputs: [`${out}r`] });
      current = `${out}r`;
    }
  });
  return onnxModel(nodes, initializers, 'input', current);
}
