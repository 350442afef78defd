/**
 * A realistic config of exactly `lines` lines for the diagnosis benchmark: every
 * section present, stages in block style, comments, and a few findings to report.
 */
export function benchConfigText(lines = 200): string {
  const head = [
    '# Benchmark config: a deep space written out in block style.',
    'name: bench-200',
    'task:',
    '  dataset: fashion-mnist',
    '  input: [28, 28, 1]',
    '  classes: 10',
    '  validationSplit: 0.1',
    'space:',
    '  resolution: [20, 24, 28]',
    '  stem:',
    '    width: 16',
    '    kernel: 3',
    '    stride: 1',
    '  head:',
    '    width: 256',
    '  stages:',
  ];
  const tail = [
    'train:',
    '  epochs: 10',
    '  batchSize: 64',
    '  optimizer: { type: sgd, lr: 0.05, momentum: 0.9 }',
    '  schedule: { type: cosine, warmupEpochs: 1 }',
    '  weightDecay: 4.0e-5',
    '  sampler: { type: sandwich, subnets: 4 }',
    '  distillation: true',
    '  seed: 0',
    'search:',
    '  algorithm: nsga2',
    '  objectives: { accuracy: max, flops: min, params: min }',
    '  constraints: ["flops <= 50M", "params < 2M", "latency <= 2ms"]',
    '  population: 32',
    '  generations: 20',
  ];
  const stageLines = (i: number): string[] => {
    const w = 16 + 8 * Math.floor(i / 3);
    return [
      `    # stage ${i + 1}`,
      `    - depth: [1, 2${i % 7 === 3 ? ', 2' : ''}]`,
      `      width: [${w}, ${w + 8}]`,
      `      kernel: [3, 5${i % 5 === 2 ? ', 6' : ''}]`,
      `      expand: [${i % 6 === 4 ? '4, 3' : '3, 4'}]`,
      `      stride: ${i % 6 === 5 ? 2 : 1}`,
    ];
  };
  const body: string[] = [];
  for (let i = 0; head.length + body.length + tail.length + 6 <= lines; i++)
    body.push(...stageLines(i));
  while (head.length + body.length + tail.length < lines) body.push('    # padding');
  return [...head, ...body, ...tail].join('\n') + '\n';
}
