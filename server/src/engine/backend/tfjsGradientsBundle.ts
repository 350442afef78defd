// The entry of dist/tfjs-gradients.js (scripts/build.mjs bundles it whole, tfjs-core's ES
// modules included): tfjs-core's CommonJS build registers no gradients, and its ES modules
// cannot be loaded by Node as shipped (extensionless relative imports). This bundle's copy
// of tfjs-core registers every gradient into the registry tfjs keeps on the global object,
// which the engine's CommonJS tfjs-core reads.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
