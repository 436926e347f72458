import * as path from 'node:path';

import { addon, type NativeDenseModel, type NativeDenseModelInfo } from './native';
import { checkOptions } from './describe';

/** The activation after a dense layer. */
export type DenseActivation = 'relu' | 'tanh' | 'sigmoid' | 'none';

/** One fully connected layer y = activation(W·x + b). */
export interface DenseLayerInfo {
  inputs: number;
  outputs: number;
  activation: DenseActivation;
}

export interface DenseModelLoadOptions {
  /** The file's kind; by default it is recognised from its content. */
  format?: 'onnx' | 'safetensors';
  /**
   * The activation after every layer but the last, for a safetensors file (which does not
   * record it; default 'relu'). An ONNX graph names its own activations.
   */
  activation?: DenseActivation;
  /** Refuse a file whose weights would need more than this many bytes (default 2 GiB). */
  memoryLimit?: number;
}

/**
 * A trained dense network (a multi-layer perceptron) read from a file, to be converted
 * into a LUT network by convertToLut(). Supported: chains of fully connected layers with
 * ReLU, tanh or sigmoid between them —
 * - safetensors: tensors NAME.weight [outputs, inputs] (PyTorch's Linear) and NAME.bias
 *   [outputs], F32/F16/BF16/F64, layers taken in natural name order (fc1, fc2, …, fc10);
 * - ONNX: Gemm, MatMul (+ Add), Relu, Tanh, Sigmoid, Flatten, Reshape, Identity, Dropout
 *   and a final Softmax/LogSoftmax (dropped: conversion works on logits), with the weights
 *   inside the file (external data is refused, never followed).
 * Anything else (convolutions, normalisation layers, branches) is refused with a
 * RangeError naming the file and the reason.
 */
export class DenseModel {
  readonly #native: NativeDenseModel;
  readonly #info: NativeDenseModelInfo;

  private constructor(native: NativeDenseModel) {
    this.#native = native;
    this.#info = native.info();
  }

  /** Reads a dense model from an ONNX or safetensors file (on a worker thread). */
  static async load(file: string, options: DenseModelLoadOptions = {}): Promise<DenseModel> {
    checkOptions(options);
    if (typeof file !== 'string' || file.length === 0) throw new TypeError('file must be a non-empty string');
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    const native = new addon.NativeDenseModel();
    await native.load(path.resolve(file), options);
    return new DenseModel(native);
  }

  /** The file's kind. */
  get format(): 'onnx' | 'safetensors' {
    return this.#info.format;
  }

  /** Values per input. */
  get inputs(): number {
    return this.#info.inputs;
  }

  /** Outputs (logits) per input: the number of classes of a classifier. */
  get outputs(): number {
    return this.#info.outputs;
  }

  /** The layers, first to last. */
  get layers(): readonly DenseLayerInfo[] {
    return this.#info.layers;
  }

  /** Weights and biases. */
  get parameters(): number {
    return this.#info.parameters;
  }

  /** Multiply-accumulates per input. */
  get multiplyAccumulates(): number {
    return this.#info.multiplyAccumulates;
  }

  /** The outputs of each input (n × outputs), computed on a worker thread; independent of `threads`. */
  logits(images: Float32Array, options: { threads?: number } = {}): Promise<Float32Array> {
    checkOptions(options);
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    return this.#native.logits(images, options);
  }

  /** Nanoseconds per input of inference one input at a time (latency), timed natively. For benchmarks. */
  timeInference(images: Float32Array, options: { repeats?: number } = {}): number {
    checkOptions(options);
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    return this.#native.timeInference(images, options);
  }

  /** Frees the weights now rather than at garbage collection. */
  close(): void {
    this.#native.close();
  }
}
