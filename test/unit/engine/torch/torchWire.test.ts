// The pieces of the pytorch backend that need no Python: the frames between the engine and
// rank 0 (read as untrusted), the supernet's spec, what a run asks of its compute, and when
// `auto` chooses pytorch.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { selectBackend } from '../../../../server/src/engine/backend/selectBackend';
import { initialSupernet } from '../../../../server/src/engine/model/supernet';
import { serialStepRunner } from '../../../../server/src/engine/train/trainStep';
import {
  encodeFrame,
  FrameReader,
  packTensors,
  unpackTensors,
} from '../../../../server/src/engine/torch/computeWire';
import { computeRequest, wantsTorch } from '../../../../server/src/engine/torch/openTorch';
import {
  decayRegions,
  supernetSpec,
  TORCH_SPEC_VERSION,
  torchSubnet,
} from '../../../../server/src/engine/torch/torchSpec';
import { torchProblem, type PythonFacts } from '../../../../server/src/python/pythonEnv';
import { largestArch, smallestArch } from '../../../../server/src/space/arch';
import { subnetLayers } from '../../../../server/src/space/layers';
import { smallConfig } from '../train/fixtures';

before(async () => {
  await selectBackend('cpu');
});

/** A socket stand-in that the reader listens to; `feed` delivers bytes as the network may: in pieces. */
function fakeSocket() {
  const s = new EventEmitter() as EventEmitter & { destroy: () => void; destroyed: boolean };
  s.destroyed = false;
  s.destroy = () => {
    s.destroyed = true;
    s.emit('close');
  };
  return s;
}

void test('frames arrive whole however the bytes are cut, in order', async () => {
  const s = fakeSocket();
  const reader = new FrameReader(s as unknown as Socket);
  const payload = new Uint8Array(70_000).map((_, i) => i % 251);
  const bytes = Buffer.concat([
    ...encodeFrame({ type: 'a', n: 1 }, payload),
    ...encodeFrame({ type: 'b' }),
  ]);
  for (let at = 0; at < bytes.length; at += 997) s.emit('data', bytes.subarray(at, at + 997));
  const a = await reader.next();
  const b = await reader.next();
  assert.deepEqual([a.header, b.header], [{ type: 'a', n: 1 }, { type: 'b' }]);
  assert.deepEqual(new Uint8Array(a.payload), payload);
  assert.equal(b.payload.length, 0);
});

void test('a frame that is not one ends the reader with a reason, and a pending read rejects', async () => {
  const bad = (bytes: Buffer) => {
    const s = fakeSocket();
    const reader = new FrameReader(s as unknown as Socket);
    const pending = reader.next();
    s.emit('data', bytes);
    return pending;
  };
  const header = Buffer.from('[1,2]');
  const len = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  await assert.rejects(
    bad(Buffer.concat([len(header.length), header, len(0)])),
    /not an object with a type/,
  );
  await assert.rejects(bad(len(2 ** 31)), /frame header of/);
  const s = fakeSocket();
  const reader = new FrameReader(s as unknown as Socket);
  const pending = reader.next();
  s.destroy();
  await assert.rejects(pending, /closed its connection/);
});

void test('tensors travel in the order and shapes the header lists; a list the payload cannot hold is refused', () => {
  const a = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const b = Float32Array.from([-1.5]);
  const { tensors, payload } = packTensors([
    ['a', [2, 3], a],
    ['b', [1], b],
  ]);
  const got = unpackTensors(tensors, payload);
  assert.deepEqual([...got.keys()], ['a', 'b']);
  assert.deepEqual(got.get('a'), { shape: [2, 3], data: a });
  assert.deepEqual(got.get('b')!.data, b);
  assert.throws(() => unpackTensors([{ name: 'a', shape: [4, 4] }], payload), /too short for a/);
  assert.throws(
    () => unpackTensors([{ name: 'a', shape: [-1] }], payload),
    /without a name or a shape/,
  );
  assert.throws(() => unpackTensors('x', payload), /tensor list/);
});

void test('the spec names every tensor of the checkpoint with its shape and decay; a subnet is its layer list', () => {
  const config = smallConfig({ kernelTransform: true });
  const net = initialSupernet(config);
  const { optimizer } = serialStepRunner(net, config.train);
  const spec = supernetSpec(net);
  assert.equal(spec.version, TORCH_SPEC_VERSION);
  assert.deepEqual(
    spec.parameters.map((p) => [p.name, p.shape]),
    net.namedVariables().map(([n, v]) => [n, v.shape]),
  );
  const decayed = spec.parameters.filter((p) => p.decay).map((p) => p.kind);
  assert.deepEqual([...new Set(decayed)].sort(), ['kernel', 'linear-weight']);
  assert.ok(spec.parameters.some((p) => p.kind === 'bn-statistic' && !p.trainable));
  // Every optimizer slot belongs to a trainable tensor of the spec (the compute process makes the same).
  const trainable = new Set(spec.parameters.filter((p) => p.trainable).map((p) => p.name));
  for (const [slot] of optimizer.namedSlots())
    assert.ok(trainable.has(slot.replace(/^opt\.(.*)\.\d+$/, '$1')), slot);
  const transforms = Object.values(spec.transforms).flat();
  assert.ok(
    transforms.length > 0 && transforms.every((t) => trainable.has(t.name) && t.from > t.to),
  );
  const arch = smallestArch(config.space, config.task);
  const sub = torchSubnet(net, { arch, role: 'smallest', flops: 0, gradScale: 0.5 });
  assert.deepEqual(sub.layers, subnetLayers(config.space, config.task, arch));
  assert.equal(sub.gradScale, 0.5);
  const regions = decayRegions(net, [largestArch(config.space, config.task), arch]);
  assert.deepEqual(regions[1].at(-1), ['classifier.weight', null]);
  const stem = regions[0].find(([n]) => n === 'stem.kernel')!;
  assert.deepEqual(stem[1], net.convs.get('stem')!.kernel.shape);
  optimizer.dispose();
  net.dispose();
});

void test('a run’s compute: the config’s train.pytorch, the command’s flags over it, the cores shared out', () => {
  const config = smallConfig();
  const own = {
    ...config,
    train: {
      ...config.train,
      pytorch: {
        device: 'cpu' as const,
        nprocPerNode: 2,
        nnodes: 1,
        rdzvTimeout: 30,
        batchNorm: 'sync' as const,
        threads: 3,
      },
    },
  };
  assert.deepEqual(computeRequest(own, {}), {
    device: 'cpu',
    nprocPerNode: 2,
    nnodes: 1,
    rdzvTimeout: 30,
    threads: 3,
  });
  assert.deepEqual(computeRequest(own, { pytorch: { nnodes: 2, rdzv: 'h:1', device: 'cuda' } }), {
    device: 'cuda',
    nprocPerNode: 2,
    nnodes: 2,
    rdzvTimeout: 30,
    rdzv: 'h:1',
    threads: 3,
  });
  const plain = computeRequest(config, { pytorch: { nprocPerNode: 2 } });
  assert.equal(plain.device, 'auto');
  assert.ok(plain.threads! >= 1);
});

void test('what a torch cannot do is said before a run: CUDA, gloo, NCCL, torchrun', () => {
  const f: PythonFacts = {
    python: '3.11',
    executable: '/p',
    torch: '2.3',
    cuda: false,
    cudaBuild: null,
    gloo: true,
    nccl: false,
    torchrun: true,
  };
  assert.match(torchProblem(f, { device: 'cuda', world: 1 })!, /CPU-only build/);
  assert.match(
    torchProblem({ ...f, cudaBuild: '12.1' }, { device: 'cuda', world: 1 })!,
    /sees no GPU.*nvidia-smi/,
  );
  assert.equal(torchProblem(f, { device: 'auto', world: 4 }), undefined);
  assert.match(torchProblem({ ...f, gloo: false }, { device: 'cpu', world: 2 })!, /no gloo/);
  assert.match(torchProblem({ ...f, cuda: true }, { device: 'auto', world: 2 })!, /no NCCL/);
  assert.match(torchProblem({ ...f, torchrun: false }, { device: 'cpu', world: 2 })!, /torchrun/);
});

void test('auto takes pytorch only where a configured Python’s torch sees a GPU', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-python-'));
  const fake = (name: string, facts: object) => {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\necho '${JSON.stringify(facts)}'\n`);
    chmodSync(file, 0o755);
    return file;
  };
  const gpu = fake('gpu', {
    python: '3.12',
    executable: '/gpu',
    torch: '2.4',
    cuda: true,
    gpus: 1,
  });
  const cpu = fake('cpu', { python: '3.12', executable: '/cpu', torch: '2.4', cuda: false });
  assert.equal(wantsTorch('auto', { SUPERNET_PYTHON: gpu }), true);
  assert.equal(wantsTorch('auto', { SUPERNET_PYTHON: cpu }), false);
  assert.equal(
    wantsTorch('auto', {}),
    false,
    'nothing Python is looked at without a configured interpreter',
  );
  assert.equal(wantsTorch('wasm', { SUPERNET_PYTHON: gpu }), false);
  assert.equal(wantsTorch('pytorch', {}), true);
});
