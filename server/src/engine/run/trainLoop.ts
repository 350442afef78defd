import type { Arch } from '#shared/arch';
import { largestArch, smallestArch } from '../../space/arch';
import { subnetCost } from '../../space/facts';
import { BatchAssembler } from '../data/batches';
import { RunError } from '../runError';
import { calibrationIndices } from '../evaluate/evaluate';
import { evaluateSubnetOnnx } from '../evaluate/evaluateOnnx';
import { engineThreads } from '../threads/engineThreads';
import { channelSortDue } from '../train/channelSortSchedule';
import { firstStepFrom } from '../train/schedule';
import { learningRate } from '../train/lrSchedule';
import { chooseSplit } from '../train/splitChoice';
import { Rng } from '#shared/rng';
import type { TrainingSession } from './trainingSession';
import { EpochRanking } from '../ranking/epochRanking';
import { RankingStability } from '../ranking/rankingStability';

/**
 * Trains until the session's last step or until `shouldStop` says so (checked between
 * steps), emitting a step event per step, an epoch event with the validation accuracy
 * of the largest and smallest subnet per epoch, and checkpoints on the config's schedule.
 */
export async function trainLoop(
  s: TrainingSession,
  shouldStop?: () => boolean,
): Promise<'completed' | 'cancelled'> {
  const { config } = s.s.opened;
  const assembler = new BatchAssembler(s.s.data);
  const calibration = calibrationIndices(
    s.s.data,
    config.search.bnRecalibrationBatches,
    Math.min(config.train.batchSize, 256),
  );
  const ranking = EpochRanking.open(s, calibration);
  const stability = RankingStability.open(s, calibration, !ranking);
  try {
    while (s.step < s.s.totalSteps) {
      if (shouldStop?.()) return 'cancelled';
      if (splitDue(s) && !(await splitSupernet(s, assembler, shouldStop))) return 'cancelled';
      await trainStep(s, assembler);
      const { step } = s;
      const epochEnd = step % s.s.stepsPerEpoch === 0 || step === s.s.totalSteps;
      const checkpointDue = step % config.train.checkpointEvery === 0 && step < s.s.totalSteps;
      if (epochEnd || checkpointDue) await s.s.stepper.sync?.();
      if (epochEnd) {
        const epoch = Math.ceil(step / s.s.stepsPerEpoch);
        await evaluateEpoch(s, epoch, calibration);
        // A stop asked while the table's subnets are scored ends the run as any stop does.
        const inherited = ranking ? await ranking.rank(epoch, shouldStop) : undefined;
        if (ranking && !inherited) return 'cancelled';
        if (!(await stability.observe(epoch, shouldStop, inherited))) return 'cancelled';
      }
      if (checkpointDue) s.checkpoint();
      // Let IPC messages (cancel, status) in between steps.
      await new Promise((r) => setImmediate(r));
    }
    return 'completed';
  } finally {
    await ranking?.close();
    await stability.close();
  }
}

/**
 * Whether the few-shot split comes before this step: the first step at `train.fewShot.at` of
 * training (as the samplers measure progress), or a later one for a checkpoint from before
 * the split of a run whose length has changed since.
 */
function splitDue(s: TrainingSession): boolean {
  const fewShot = s.s.opened.config.train.fewShot;
  return !!fewShot && !s.s.trainer.split && s.step >= firstStepFrom(fewShot.at, s.s.totalSteps);
}

/**
 * The few-shot split (train/splitChoice.ts): the decision and grouping chosen on batches of
 * training images drawn by their own stream (seed + 5: no other stream moves, and a run
 * resumed from before the split splits the same way), the parent copied into its parts, a
 * checkpoint of the parts at once. False when stopped while choosing (nothing is split).
 */
async function splitSupernet(
  s: TrainingSession,
  assembler: BatchAssembler,
  shouldStop?: () => boolean,
): Promise<boolean> {
  const { trainer, data, totalSteps, now } = s.s;
  const { config } = s.s.opened;
  const fewShot = config.train.fewShot!;
  const t0 = now();
  const rng = new Rng(config.train.seed + 5);
  const order = rng.shuffle(Int32Array.from(data.trainIndices)) as Int32Array;
  const size = config.train.batchSize;
  const gather = (b: number) =>
    assembler.gather(Array.from({ length: size }, (_, i) => order[(b * size + i) % order.length]));
  const at = { step: s.step, progress: s.step / totalSteps };
  const batches = { count: fewShot.batches, gather };
  const chosen = await chooseSplit(
    trainer.net,
    config,
    trainer.decisions,
    at,
    batches,
    rng,
    shouldStop,
  );
  if (!chosen) return false;
  trainer.splitInto(chosen.split);
  const scored = chosen.scores.map((c) => `${c.decision} ${c.score.toFixed(3)}`).join(', ');
  s.info(
    `step ${s.step}: few-shot split by ${fewShot.criterion} into ${chosen.split.describe()}` +
      (scored ? ` (mean cosine similarity across groups: ${scored})` : '') +
      `, ${((now() - t0) / 1000).toFixed(1)} s; the ${chosen.split.parts} sub-supernets train in turn`,
  );
  s.checkpoint();
  return true;
}

/** One step: sample subnets and a batch, train, emit the step's figures. */
async function trainStep(s: TrainingSession, assembler: BatchAssembler): Promise<void> {
  const { trainer, totalSteps, stepsPerEpoch, now, data } = s.s;
  const { config } = s.s.opened;
  const ts = now();
  if (channelSortDue(s.step, s.s, config.train)) {
    // One order per block (of each few-shot part), shared by the tensors it reorders.
    const parts = trainer.split?.parts ?? 1;
    await s.s.stepper.sync?.();
    const blocks = new Set(trainer.sortChannels().map((o) => o.order)).size / parts;
    s.s.stepper.reload?.();
    const each = parts > 1 ? ` of each of the ${parts} sub-supernets` : '';
    s.info(`step ${s.step}: expanded channels sorted by importance in ${blocks} block(s)${each}`);
  }
  const lr = learningRate(s.step, totalSteps, stepsPerEpoch, config.train);
  const gather = (indices: Int32Array) =>
    assembler.gather(
      Array.from(indices, (i) => data.trainIndices[i]),
      trainer.augmentRng,
    );
  const { subnets, outcome: out } = await trainer.stepAsync(
    { step: s.step, totalSteps, stepsPerEpoch, lr },
    gather,
    s.s.stepper,
  );
  s.step++;
  const seconds = Math.max(1e-6, (now() - ts) / 1000);
  s.emit({
    type: 'step',
    time: now(),
    step: s.step,
    epoch: s.step / stepsPerEpoch,
    lr,
    losses: subnets.map((sub, i) => ({ role: sub.role, loss: out.losses[i], flops: sub.flops })),
    ...(out.distillLoss !== undefined ? { distillLoss: out.distillLoss } : {}),
    imagesPerSec: (config.train.batchSize * subnets.length) / seconds,
    gradVariance: out.gradVariance,
  });
  if (!Number.isFinite(out.losses[0]))
    throw new RunError(`The loss diverged at step ${s.step} (lr ${lr}): lower train.optimizer.lr.`);
  if (trainer.measuresGradients && s.step % 50 === 0)
    s.emit({
      type: 'sampler',
      time: now(),
      step: s.step,
      probabilities: trainer.sampler.probabilities(),
    });
}

/**
 * Validation accuracy of the largest and smallest subnet, after BN recalibration: in
 * onnxruntime, as search evaluates (several times faster than tfjs, same figures to float
 * rounding: evaluateOnnx.test.ts), on the engine's threads.
 */
async function evaluateEpoch(
  s: TrainingSession,
  epoch: number,
  calibration: Int32Array[],
): Promise<void> {
  const { config } = s.s.opened;
  const te = s.s.now();
  const threads = engineThreads();
  const score = async (arch: Arch) => {
    const net = s.s.trainer.weights.supernetOf(arch);
    const r = await evaluateSubnetOnnx(net, arch, s.s.data, calibration, { threads });
    return {
      accuracy: r.accuracy,
      loss: r.loss,
      flops: subnetCost(config.space, config.task, arch).flops,
    };
  };
  const largest = await score(largestArch(config.space, config.task));
  const smallest = await score(smallestArch(config.space, config.task));
  s.emit({
    type: 'epoch',
    time: s.s.now(),
    epoch,
    step: s.step,
    largest,
    smallest,
    seconds: (s.s.now() - te) / 1000,
  });
}
