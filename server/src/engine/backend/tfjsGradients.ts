import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The gradient bundle's file name (scripts/build.mjs writes it next to the other bundles). */
export const GRADIENTS_BUNDLE = 'tfjs-gradients.js';

/**
 * dist/tfjs-gradients.js, looked up beside this code (the bundles in dist/) and then
 * upwards (the compiled tests in out/, with the repository's dist/ built).
 */
export function findGradientsBundle(from = __dirname): string | undefined {
  for (let dir = from, i = 0; i < 7; i++, dir = path.dirname(dir)) {
    for (const candidate of [
      path.join(dir, GRADIENTS_BUNDLE),
      path.join(dir, 'dist', GRADIENTS_BUNDLE),
    ])
      if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Makes sure tf.grad and friends work: tfjs-core's CommonJS build defines no gradients
 * (@tensorflow/tfjs-node registers them when it loads; otherwise the gradient bundle does).
 */
export async function ensureTfjsGradients(): Promise<void> {
  if (tf.getGradient(tf.Conv2D) !== undefined) return;
  const bundle = findGradientsBundle();
  if (!bundle)
    throw new Error(
      `${GRADIENTS_BUNDLE} is missing: run \`npm run build\` (it is built with the engine).`,
    );
  // A computed path: bundlers must leave it alone, and it is loaded once.
  const load = require;
  load(bundle);
  if (tf.getGradient(tf.Conv2D) === undefined)
    throw new Error(`Loading ${bundle} registered no gradients.`);
}
