import * as tf from '@tensorflow/tfjs-core';
import type { SupernetConfig } from '../../config/configSchema';
import { RunError } from '../runError';
import type { RemoteStepRunner } from '../threads/stepRunner';
import {
  feedbackOfSquares,
  trainableSizes,
  varianceByPlace,
  type WeightPlace,
} from '../train/gradientStats';
import type { SampledSubnet } from '../train/samplers/samplerTypes';
import type { StepOptions, StepOutcome } from '../train/trainStep';
import type { Trainer } from '../train/trainer';
import { decayRule } from '../train/weightDecay';
import type { ComputeProcess } from './computeProcess';
import { packTensors, unpackTensors } from './computeWire';
import { decayRegions, supernetSpec, torchSubnet } from './torchSpec';

/** What the runner reads of the trainer: the supernet, its optimizer, every tensor of their state. */
export type TorchParts = Pick<Trainer, 'net' | 'optimizer' | 'stateTensors' | 'split'>;

/**
 * Training steps on the pytorch backend. The engine keeps orchestrating: it draws the
 * subnets and the batch, and its trainer's tensors stay the run's state of record (checkpoints,
 * evaluation, channel sorting read and write them). The compute process holds a working copy
 * of the weights and the optimizer's slots and runs the steps on it; `sync` brings the
 * trainer's tensors up to date before anything reads them, and `reload` marks them changed
 * by the engine, so the next step first sends them over.
 */
export class TorchStepRunner implements RemoteStepRunner {
  readonly threads: number;
  /** The trainer's tensors changed since the compute process last took them. */
  private stale = true;
  /** The compute process has stepped since its tensors were last copied back. */
  private ahead = false;
  private initialised = false;
  private readonly placeOf: (name: string) => WeightPlace;
  private readonly totalParams: number;
  private readonly stageParams: number[];

  constructor(
    private readonly trainer: TorchParts,
    private readonly config: SupernetConfig,
    readonly compute: ComputeProcess,
  ) {
    // openTorchCompute refuses train.fewShot before anything starts: one trainer part only.
    if (trainer.split) throw new RunError('A few-shot split supernet trains on the tfjs backends');
    const hello = compute.hello!;
    this.threads = hello.worldSize * hello.threads;
    const params = trainer.net.parameters();
    const places = new Map<string, WeightPlace>(params.map((p) => [p.name, p.at]));
    const sizes = trainableSizes(params, trainer.net.space.stages.length);
    this.totalParams = sizes.total;
    this.stageParams = sizes.stages;
    this.placeOf = (name) => places.get(name);
  }

  async run(
    subnets: SampledSubnet[],
    x: tf.Tensor4D,
    y: tf.Tensor1D,
    opts: StepOptions,
  ): Promise<StepOutcome> {
    if (opts.softTargets) throw new Error('Fine-tuning steps run on the tfjs backends');
    if (this.stale) await this.push();
    const net = this.trainer.net;
    const scope = this.config.train.weightDecayScope;
    const decay =
      scope === 'each-subnet'
        ? {
            regions: decayRegions(
              net,
              subnets.map((s) => s.arch),
            ),
          }
        : (decayRule(scope, net)(subnets) as number);
    const parts = [x.dataSync() as Float32Array, y.dataSync() as Int32Array];
    if (opts.weights) parts.push(opts.weights.dataSync() as Float32Array);
    const reply = await this.compute.request(
      {
        type: 'step',
        subnets: subnets.map((s) => torchSubnet(net, s)),
        shape: x.shape,
        lr: opts.lr,
        distillation: opts.distillation,
        wantFeedback: opts.wantFeedback,
        wantErrorNorms: opts.wantErrorNorms,
        weighted: !!opts.weights,
        decay,
      },
      Buffer.concat(parts.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))),
    );
    this.ahead = true;
    return this.outcome(subnets, reply.header, reply.payload, x.shape[0]);
  }

  private outcome(
    subnets: SampledSubnet[],
    h: Record<string, unknown>,
    payload: Buffer,
    batch: number,
  ): StepOutcome {
    const losses = h.losses as number[];
    if (!Array.isArray(losses) || losses.length !== subnets.length)
      throw new RunError('The compute process returned a step without a loss per subnet.');
    const variance = (h.variance ?? []) as [string, number][];
    const out: StepOutcome = {
      losses,
      gradVariance: varianceByPlace(
        variance.map(([n]) => n),
        variance.map(([, v]) => v),
        this.placeOf,
        this.totalParams,
        this.stageParams,
      ),
    };
    if (typeof h.distillLoss === 'number') out.distillLoss = h.distillLoss;
    if (Array.isArray(h.feedback))
      out.feedback = (h.feedback as [string, number][][]).map((entries, i) =>
        feedbackOfSquares(
          subnets[i],
          entries.map(([n]) => n),
          entries.map(([, v]) => v),
          this.placeOf,
        ),
      );
    if (h.errorNorms) {
      if (payload.length !== batch * 4)
        throw new RunError('The compute process returned error norms of the wrong size.');
      out.errorNorms = new Float32Array(
        payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.length),
      );
    }
    return out;
  }

  /** The trainer's weights, statistics and optimizer slots to the compute process. */
  private async push(): Promise<void> {
    const named = this.trainer
      .stateTensors()
      .map(([name, v]): [string, number[], Float32Array] => [
        name,
        [...v.shape],
        v.dataSync() as Float32Array,
      ]);
    const { tensors, payload } = packTensors(named);
    const steps = this.trainer.optimizer.steps;
    if (!this.initialised) {
      const { optimizer, weightDecay } = this.config.train;
      await this.compute.request(
        {
          type: 'init',
          spec: supernetSpec(this.trainer.net),
          optimizer,
          weightDecay,
          syncBatchNorm: (this.config.train.pytorch?.batchNorm ?? 'sync') === 'sync',
          tensors,
          steps,
        },
        payload,
      );
      this.initialised = true;
    } else await this.compute.request({ type: 'load', tensors, steps }, payload);
    this.stale = false;
    this.ahead = false;
  }

  /** Brings the trainer's tensors up to date with the compute process's. */
  async sync(): Promise<void> {
    if (!this.ahead) return;
    const reply = await this.compute.request({ type: 'state' });
    const got = unpackTensors(reply.header.tensors, reply.payload);
    tf.tidy(() => {
      for (const [name, v] of this.trainer.stateTensors()) {
        const t = got.get(name);
        if (!t || t.data.length !== v.size)
          throw new RunError(
            `The compute process's state lacks ${name} or has it at another size.`,
          );
        v.assign(tf.tensor(t.data, v.shape));
      }
    });
    if (typeof reply.header.steps === 'number') this.trainer.optimizer.steps = reply.header.steps;
    this.ahead = false;
  }

  /** The trainer's tensors were changed by the engine (restored, sorted): send them before the next step. */
  reload(): void {
    this.stale = true;
  }

  close(): Promise<void> {
    return this.compute.close();
  }
}
