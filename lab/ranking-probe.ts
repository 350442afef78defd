// Single-change probe: the supernet accuracy of the largest subnet and of subnets that
// differ from it in one dimension: which elastic dimension costs the most in the
// supernet. Usage: npx tsc -b && node out/lab/ranking-probe.js .supernet/runs/RUN_ID
import * as path from 'node:path';
import { archKey, type Arch } from '#shared/arch';
import { loadTrainingData } from '../server/src/engine/data/trainingData';
import { calibrationIndices } from '../server/src/engine/evaluate/evaluate';
import { SubnetEvaluator } from '../server/src/engine/evaluate/subnetEvaluator';
import { loadRunOnBackend } from '../server/src/engine/run/loadRun';
import { RunFolder } from '../server/src/engine/storage/runFolder';
import { largestArch, resolutions, smallestArch } from '../server/src/space/arch';

async function main(): Promise<void> {
  const dir = process.argv[2];
  const loaded = await loadRunOnBackend(RunFolder.find(path.basename(dir), path.dirname(dir)));
  const c = loaded.config;
  const { data } = await loadTrainingData(c, loaded.configPath, {});
  const cal = calibrationIndices(
    data,
    c.search.bnRecalibrationBatches,
    Math.min(c.train.batchSize, 256),
  );
  const L = largestArch(c.space, c.task),
    S = smallestArch(c.space, c.task);
  const cp = (a: Arch): Arch => JSON.parse(JSON.stringify(a)) as Arch;
  const variants: [string, Arch][] = [
    ['largest', L],
    ['smallest', S],
  ];
  for (const r of resolutions(c.space, c.task))
    if (r !== L.resolution) variants.push([`res ${r}`, { ...cp(L), resolution: r }]);
  L.stages.forEach((st, i) => {
    st.blocks.forEach((_b, j) => {
      const k = cp(L);
      k.stages[i].blocks[j].kernel = Math.min(...c.space.stages[i].kernel);
      variants.push([`s${i + 1}b${j + 1} kernel ${k.stages[i].blocks[j].kernel}`, k]);
      const e = cp(L);
      e.stages[i].blocks[j].expand = Math.min(...c.space.stages[i].expand);
      variants.push([`s${i + 1}b${j + 1} expand ${e.stages[i].blocks[j].expand}`, e]);
    });
    const w = cp(L);
    w.stages[i].width = Math.min(...c.space.stages[i].width);
    variants.push([`s${i + 1} width ${w.stages[i].width}`, w]);
    const d = cp(L);
    d.stages[i].depth = 1;
    d.stages[i].blocks = d.stages[i].blocks.slice(0, 1);
    variants.push([`s${i + 1} depth 1`, d]);
  });
  const allK = cp(L);
  allK.stages.forEach((s, i) =>
    s.blocks.forEach((b) => (b.kernel = Math.min(...c.space.stages[i].kernel))),
  );
  variants.push(['all kernels min', allK]);
  const evaluator = new SubnetEvaluator(loaded.net, data, cal, 2);
  const acc = new Map<string, number>();
  await evaluator.evaluateAll(
    variants.map((v) => v[1]),
    (a, s) => acc.set(archKey(a), s.accuracy),
  );
  for (const [n, a] of variants)
    console.log(n.padEnd(22), (100 * acc.get(archKey(a))!).toFixed(2), archKey(a));
  await evaluator.close();
}

void main();
