import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SupernetConfig } from '../../../server/src/config/configSchema';
import { resolveConfig } from '../../../server/src/config/resolve';
import { archInSpace, largestArch, smallestArch } from '../../../server/src/space/arch';
import { archKey, parseArchKey, type Arch } from '#shared/arch';
import { countSubnets, spaceFacts, subnetCost } from '../../../server/src/space/facts';
import { subnetLayers } from '../../../server/src/space/layers';

const repoRoot = path.resolve(__dirname, '../../../..');

function config(text: string): SupernetConfig {
  const r = resolveConfig(text);
  assert.deepEqual(r.problems, []);
  return r.config;
}

// input 8×8×1, stem 8 k3 s1, one stage depth [1,2] width [8,16] kernel [3,5] expand [1,2] stride 2, head 16, 10 classes
const SMALL = config(`task: { input: [8, 8, 1], classes: 10 }
space:
  resolution: [6, 8]
  stem: { width: 8, kernel: 3, stride: 1 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3, 5], expand: [1, 2], stride: 2 }
  head: { width: 16 }
`);

/** Every subnet of a one-stage space. */
function allArchs(c: SupernetConfig): Arch[] {
  const s = c.space.stages[0];
  const blockChoices = s.kernel.flatMap((kernel) => s.expand.map((expand) => ({ kernel, expand })));
  const out: Arch[] = [];
  for (const resolution of c.space.resolution!) {
    for (const width of s.width) {
      for (const depth of s.depth) {
        let seqs = [[]] as { kernel: number; expand: number }[][];
        for (let i = 0; i < depth; i++)
          seqs = seqs.flatMap((q) => blockChoices.map((b) => [...q, b]));
        for (const blocks of seqs) out.push({ resolution, stages: [{ depth, width, blocks }] });
      }
    }
  }
  return out;
}

void describe('space facts of a small space, against hand computation', () => {
  const f = spaceFacts(SMALL);

  void test('number of subnets', () => {
    // per block: 2 kernels × 2 expands = 4; depth 1: 4, depth 2: 4² = 16 → 20 per width;
    // 2 widths → 40 per stage; 2 resolutions → 80
    assert.equal(f.subnets, 80n);
    assert.equal(f.stages[0].choices, 40n);
    assert.equal(countSubnets(SMALL.space, SMALL.task), 80n);
  });

  void test('FLOPs (multiply-accumulates) of the smallest and the largest subnet', () => {
    // smallest: resolution 6, depth 1, width 8, kernel 3, expand 1
    //   stem      6·6 · 3·3 · 1 · 8           = 2592
    //   expand    6·6 · 1·1 · 8 · 8           = 2304
    //   depthwise 3·3 · 3·3 · 1 · 8 (stride 2) =  648
    //   project   3·3 · 1·1 · 8 · 8           =  576
    //   head      3·3 · 1·1 · 8 · 16          = 1152
    //   linear    16 · 10                     =  160   → 7432
    // largest: resolution 8, depth 2, width 16, kernel 5, expand 2
    //   stem      8·8 · 9 · 1 · 8             = 4608
    //   block 1 (8→16, hidden 16, stride 2):  expand 8·8·8·16 = 8192, dw 4·4·25·16 = 6400, project 4·4·16·16 = 4096
    //   block 2 (16→16, hidden 32, residual): expand 4·4·16·32 = 8192, dw 4·4·25·32 = 12800, project 4·4·32·16 = 8192
    //   head      4·4 · 16 · 16               = 4096
    //   linear    16 · 10                     =  160   → 56736
    assert.deepEqual(f.flops, [7432, 56736]);
  });

  void test('parameters of the smallest and the largest subnet (conv weights, 2 per BN channel, linear weights + bias)', () => {
    // smallest: stem 9·1·8 + 16 = 88; expand 8·8 + 16 = 80; dw 9·8 + 16 = 88; project 8·8 + 16 = 80;
    //           head 8·16 + 32 = 160; linear 16·10 + 10 = 170                      → 666
    // largest:  stem 88; block 1: expand 8·16 + 32 = 160, dw 25·16 + 32 = 432, project 16·16 + 32 = 288;
    //           block 2: expand 16·32 + 64 = 576, dw 25·32 + 64 = 864, project 32·16 + 32 = 544;
    //           head 16·16 + 32 = 288; linear 170                                   → 3410
    assert.deepEqual(f.params, [666, 3410]);
    assert.equal(f.supernetParams, 3410);
  });

  void test('stage facts: FLOPs, parameters and output size', () => {
    // FLOPs: 2304 + 648 + 576 = 3528 … 8192 + 6400 + 4096 + 8192 + 12800 + 8192 = 47872
    assert.deepEqual(f.stages[0].flops, [3528, 47872]);
    // params: 80 + 88 + 80 = 248 … 160 + 432 + 288 + 576 + 864 + 544 = 2864
    assert.deepEqual(f.stages[0].params, [248, 2864]);
    // 'same' padding, stride 2: 6 → 3, 8 → 4
    assert.deepEqual(f.stages[0].outputSize, [3, 4]);
  });

  void test('training memory estimate', () => {
    // floats kept per image by the largest subnet (conv: output, BN, ReLU6 = 3×, project: 2×):
    //   stem 8·8·8·3 = 1536; b1 expand 8·8·16·3 = 3072, dw 4·4·16·3 = 768, project 4·4·16·2 = 512;
    //   b2 expand 4·4·32·3 = 1536, dw 1536, project 512, residual 4·4·16 = 256; head 4·4·16·3 = 768;
    //   pool 16; logits 10                                     → 10522
    //   + input 8·8·1 = 64 + 2 × the largest (3072) in flight  → 16730 per image
    // batch 64 (default): 64 · 16730 = 1070720; weights, gradients, step gradients and one SGD slot: 3410 · 4 = 13640
    // 4 bytes · (1070720 + 13640) = 4337440
    assert.equal(f.trainingMemoryBytes, 4337440);
  });

  void test('every subnet, enumerated: 80 distinct keys, and the extremes are the smallest and largest', () => {
    const archs = allArchs(SMALL);
    assert.equal(new Set(archs.map(archKey)).size, 80);
    const costs = archs.map((a) => subnetCost(SMALL.space, SMALL.task, a));
    assert.equal(Math.min(...costs.map((c) => c.flops)), 7432);
    assert.equal(Math.max(...costs.map((c) => c.flops)), 56736);
    assert.equal(Math.min(...costs.map((c) => c.params)), 666);
    assert.equal(Math.max(...costs.map((c) => c.params)), 3410);
    assert.ok(archs.every((a) => archInSpace(a, SMALL.space, SMALL.task)));
  });

  void test('a residual connection only where the shapes match', () => {
    const layers = subnetLayers(SMALL.space, SMALL.task, largestArch(SMALL.space, SMALL.task));
    assert.deepEqual(
      layers.filter((l) => l.kind === 'add').map((l) => l.name),
      ['stage1.block2.residual'],
    );
  });
});

void describe('the reference net examples/bench.supernet.yaml', () => {
  const bench = config(
    fs.readFileSync(path.join(repoRoot, 'examples/bench.supernet.yaml'), 'utf8'),
  );
  const f = spaceFacts(bench);

  void test('supernet parameters equal the PyTorch peer’s count: 156386', () => {
    assert.equal(f.supernetParams, 156386);
    assert.equal(f.params[1], 156386);
  });

  void test('8100 subnets: per stage 1 width × (9 + 9²) = 90, squared', () => {
    assert.equal(f.subnets, 8100n);
    assert.deepEqual(
      f.stages.map((s) => s.choices),
      [90n, 90n],
    );
  });

  void test('the largest and smallest subnets are in the space and cost what the facts say', () => {
    const hi = largestArch(bench.space, bench.task);
    const lo = smallestArch(bench.space, bench.task);
    assert.equal(archKey(hi), 'r28-d2w32k7e6k7e6-d2w64k7e6k7e6');
    assert.equal(archKey(lo), 'r28-d1w32k3e3-d1w64k3e3');
    assert.deepEqual(subnetCost(bench.space, bench.task, hi), {
      flops: f.flops[1],
      params: f.params[1],
    });
    assert.deepEqual(subnetCost(bench.space, bench.task, lo), {
      flops: f.flops[0],
      params: f.params[0],
    });
  });
});

void describe('archKey, parseArchKey, archInSpace', () => {
  const arch: Arch = {
    resolution: 8,
    stages: [
      {
        depth: 2,
        width: 16,
        blocks: [
          { kernel: 5, expand: 1 },
          { kernel: 3, expand: 2 },
        ],
      },
    ],
  };

  void test('round trip', () => {
    assert.equal(archKey(arch), 'r8-d2w16k5e1k3e2');
    assert.deepEqual(parseArchKey(archKey(arch)), arch);
    for (const a of allArchs(SMALL)) assert.deepEqual(parseArchKey(archKey(a)), a);
  });

  void test('malformed keys', () => {
    for (const bad of [
      '',
      'x8',
      'r8-d2w16k5e1',
      'r8-d1w16',
      'r8-d1w16k5',
      'r8-w16k5e1',
      'r8-d1w16k5e1-',
      'R8-d1w16k5e1',
    ]) {
      assert.equal(parseArchKey(bad), undefined, bad);
    }
  });

  void test('in the space or not', () => {
    assert.ok(archInSpace(arch, SMALL.space, SMALL.task));
    const other = (change: (a: Arch) => void): Arch => {
      const a = structuredClone(arch);
      change(a);
      return a;
    };
    assert.ok(
      !archInSpace(
        other((a) => (a.resolution = 7)),
        SMALL.space,
        SMALL.task,
      ),
      'resolution',
    );
    assert.ok(
      !archInSpace(
        other((a) => (a.stages[0].width = 24)),
        SMALL.space,
        SMALL.task,
      ),
      'width',
    );
    assert.ok(
      !archInSpace(
        other((a) => (a.stages[0].blocks[1].kernel = 7)),
        SMALL.space,
        SMALL.task,
      ),
      'kernel',
    );
    assert.ok(
      !archInSpace(
        other((a) => (a.stages[0].blocks[0].expand = 3)),
        SMALL.space,
        SMALL.task,
      ),
      'expand',
    );
    assert.ok(
      !archInSpace(
        other((a) => a.stages[0].blocks.pop()),
        SMALL.space,
        SMALL.task,
      ),
      'blocks ≠ depth',
    );
    assert.ok(
      !archInSpace(
        other((a) => a.stages.push(a.stages[0])),
        SMALL.space,
        SMALL.task,
      ),
      'stage count',
    );
  });
});
