import * as tf from '@tensorflow/tfjs-core';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * tfjs-core's CommonJS bundle (what `require('@tensorflow/tfjs-core')` loads) defines no
 * gradients. They exist only as the package's ES modules under dist/, whose imports omit file
 * extensions and point at directories, which Node's ES module loader refuses; requiring
 * 'dist/register_all_gradients' therefore throws ERR_MODULE_NOT_FOUND. An esbuild bundle or
 * @tensorflow/tfjs-node registers them already; otherwise they are loaded here through a
 * resolve hook that completes those specifiers, and only those inside tfjs-core's dist.
 * The ES copy of tfjs-core shares the engine and the kernel and gradient registries with the
 * CommonJS one (tfjs keeps them on the global object), so what it registers is seen by both.
 */
const COMPLETE_TFJS_SPECIFIERS = `
export async function resolve(specifier, context, nextResolve) {
  const inTfjsCore = context.parentURL?.includes('/@tensorflow/tfjs-core/dist/');
  if (inTfjsCore && /^\\.\\.?\\//.test(specifier) && !specifier.endsWith('.js')) {
    try {
      return await nextResolve(specifier + '.js', context);
    } catch {
      return nextResolve(specifier + '/index.js', context);
    }
  }
  return nextResolve(specifier, context);
}`;

let loading: Promise<void> | undefined;

/** Makes sure tf.grad and friends work; resolves once the gradient registry is filled. */
export function ensureTfjsGradients(): Promise<void> {
  if (tf.getGradient(tf.Conv2D) !== undefined) return Promise.resolve();
  loading ??= loadEsmGradients();
  return loading;
}

async function loadEsmGradients(): Promise<void> {
  register(`data:text/javascript,${encodeURIComponent(COMPLETE_TFJS_SPECIFIERS)}`);
  const entry = require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  await import(pathToFileURL(entry).href);
  if (tf.getGradient(tf.Conv2D) === undefined) {
    throw new Error(`Loading ${entry} registered no gradients.`);
  }
}
