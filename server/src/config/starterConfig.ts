/** The commented config `Supernet: New Config` writes: small enough to train in minutes on a laptop. */
export const STARTER_CONFIG = `# Supernet Studio config: a search space, its data, how to train it and how to search it.
# Hover any key for its documentation; the line above shows the size of the space.
name: example

task:
  dataset: fashion-mnist      # or mnist, or idx with \`path\` to a folder of IDX files
  input: [28, 28, 1]          # height, width, channels
  classes: 10
  validationSplit: 0.1        # held out of the training images for validation

space:
  resolution: [20, 24, 28]    # elastic input size: each subnet sees one of these
  stem: { width: 16, kernel: 3, stride: 2 }
  stages:                     # MBConv blocks: 1x1 expand -> kxk depthwise -> 1x1 project
    - { depth: [1, 2], width: [16, 24], kernel: [3, 5], expand: [2, 3], stride: 2 }
    - { depth: [1, 2], width: [24, 32], kernel: [3, 5], expand: [2, 3], stride: 2 }
  head: { width: 64 }

train:
  epochs: 1
  batchSize: 64
  optimizer: { type: sgd, lr: 0.05, momentum: 0.9 }
  schedule: { type: cosine, warmupEpochs: 0.05 }
  sampler: { type: sandwich, subnets: 4 }   # largest + smallest + 2 random per step
  distillation: true                        # small subnets learn from the largest
  seed: 0

search:
  algorithm: nsga2
  objectives: { accuracy: max, flops: min }
  constraints: ["flops <= 400k"]
  population: 16
  generations: 13
`;
