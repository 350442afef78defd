import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import assert from 'node:assert/strict';

/** Runs the same computation on two backends from the same host data and compares results. */

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** Deterministic N(0,1)-ish values (sum of uniforms), so failures reproduce. */
export function randomTensor(shape: number[], seed: number): HostTensor {
  let state = seed >>> 0 || 1;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = uniform() + uniform() + uniform() - 1.5;
  return { shape, data };
}

export async function useBackend(name: string): Promise<void> {
  await tf.setBackend(name);
  assert.equal(tf.getBackend(), name, `backend '${name}' did not start`);
}

/** Gradients of `loss` with respect to every input, computed on `backend`. */
export async function gradientsOn(
  backend: string,
  loss: (...inputs: tf.Tensor[]) => tf.Scalar,
  inputs: HostTensor[],
): Promise<Float32Array[]> {
  await useBackend(backend);
  const tensors = inputs.map((t) => tf.tensor(t.data, t.shape));
  const grads = tf.grads(loss)(tensors);
  const values = await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>));
  tf.dispose([...tensors, ...grads]);
  return values;
}

/** max|a - b| / max(1e-6, max|b|) */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'gradient sizes differ');
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Asserts that wasm's gradients match the cpu backend's, input by input. */
export async function assertGradientsMatchCpu(
  loss: (...inputs: tf.Tensor[]) => tf.Scalar,
  inputs: HostTensor[],
  names: string[],
  tolerance = 1e-4,
): Promise<void> {
  const wasm = await gradientsOn('wasm', loss, inputs);
  const cpu = await gradientsOn('cpu', loss, inputs);
  names.forEach((name, i) => {
    const err = relativeError(wasm[i], cpu[i]);
    assert.ok(err < tolerance, `d/d${name}: relative error ${err.toExponential(2)}`);
  });
}

/** sum(y * w) for a fixed random w: an upstream gradient that is not all ones. */
export function weightedSum(y: tf.Tensor, seed: number): tf.Scalar {
  const w = randomTensor(y.shape, seed);
  return tf.sum(tf.mul(y, tf.tensor(w.data, w.shape)));
}
