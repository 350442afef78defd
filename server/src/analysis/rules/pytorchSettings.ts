import type { Rule } from './ruleContext';

/**
 * What the pytorch backend cannot run whatever the Python: few-shot supernets (not
 * supported there yet), a batch that does not split evenly over its processes, and nodes
 * that have no address to meet at (without `rdzv`, node 0 listens on 127.0.0.1 only).
 */
export const pytorchSettings: Rule = (ctx) => {
  const { train } = ctx.config;
  if (train.backend !== 'pytorch' || !ctx.clean('train.backend')) return;
  if (train.fewShot && ctx.clean('train.fewShot'))
    ctx.report(
      ['train', 'fewShot'],
      'error',
      'conflicting-settings',
      'Few-shot supernets (`fewShot`) are not supported on the pytorch backend yet: train them on a tfjs backend (`backend: auto`), or remove `fewShot`.',
      undefined,
      'key',
    );
  const p = train.pytorch;
  if (!p || !ctx.clean('train.pytorch')) return;
  const world = p.nprocPerNode * p.nnodes;
  if (ctx.clean('train.batchSize') && train.batchSize % world !== 0) {
    const message = `train.batchSize ${train.batchSize} does not split evenly over ${world} processes (${p.nnodes} node(s) × ${p.nprocPerNode}): each process takes an equal share of every batch. Use a multiple of ${world}.`;
    if (ctx.written('train.batchSize')) {
      const fit = Math.max(world, Math.round(train.batchSize / world) * world);
      ctx.report(
        ['train', 'batchSize'],
        'error',
        'uneven-batch-split',
        message,
        fit <= 65536
          ? { replacement: String(fit), fixTitle: `Set the batch size to ${fit}` }
          : undefined,
      );
    } else
      ctx.report(
        ['train', 'pytorch', ctx.written('train.pytorch.nprocPerNode') ? 'nprocPerNode' : 'nnodes'],
        'error',
        'uneven-batch-split',
        message,
      );
  }
  if (p.nnodes > 1 && !p.rdzv)
    ctx.report(
      ['train', 'pytorch', 'nnodes'],
      'error',
      'missing-key',
      `${p.nnodes} nodes need a place to meet that every machine reaches: set \`rdzv: HOST:PORT\` to this machine's address (node 0) and a free port. Without it node 0 listens on 127.0.0.1, which the other nodes cannot reach.`,
    );
};
