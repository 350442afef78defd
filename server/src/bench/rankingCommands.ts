import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import * as path from 'node:path';
import { benchRanking, rankingBenchText } from './benchRanking';
import { findExample } from './benchSearch';
import { numberArg, stringArg } from './args';
import { generateSpace } from './spaceGenerator';
import { defaultTruthJobs, rankingTruth, runTruthJob, type TruthJob } from './rankingTruth';

/** The ranking benchmark's modes (`--ranking`, `--ranking-truth`); false when none was asked. */
export async function rankingCommands(args: string[], json: boolean): Promise<boolean> {
  const job = stringArg(args, '--ranking-truth-job');
  if (job) {
    await runTruthJob(JSON.parse(job) as TruthJob);
    return true;
  }
  if (args.includes('--ranking')) {
    const seeds = (stringArg(args, '--seeds') ?? '0,1').split(',').map(Number);
    if (seeds.some((n) => !Number.isInteger(n) || n < 0))
      throw new Error('--seeds takes whole numbers ≥ 0 separated by commas');
    const epochs = stringArg(args, '--epochs');
    const r = await benchRanking({
      config: stringArg(args, '--config') ?? findExample('ranking.supernet.yaml'),
      seeds,
      overrides: args.flatMap((a, i) =>
        a === '--set' ? [args[i + 1]] : a.startsWith('--set=') ? [a.slice(6)] : [],
      ),
      ...(epochs !== undefined ? { epochs: Number(epochs) } : {}),
    });
    const out = stringArg(args, '--out');
    if (out) writeFileSync(out, JSON.stringify({ bench: 'ranking', ...r }, null, 1) + '\n');
    process.stdout.write(
      json ? JSON.stringify({ bench: 'ranking', ...r }) + '\n' : rankingBenchText(r),
    );
    return true;
  }
  const generate = stringArg(args, '--generate-space');
  if (generate !== undefined) {
    // A held-out benchmark space, drawn from a seed within the generator's stated limits.
    process.stdout.write(stringify({ space: generateSpace(Number(generate)) }));
    return true;
  }
  if (args.includes('--ranking-truth')) {
    const config = stringArg(args, '--config') ?? findExample('ranking.supernet.yaml');
    const name = path.basename(config).replace(/\.supernet\.ya?ml$/, '');
    await rankingTruth({
      config,
      subnets: numberArg(args, '--subnets') ?? 24,
      secondSeed: numberArg(args, '--second-seed') ?? 6,
      epochs: Number(stringArg(args, '--epochs') ?? 2),
      jobs: numberArg(args, '--jobs') ?? defaultTruthJobs(),
      out:
        stringArg(args, '--out') ??
        path.join(path.dirname(path.dirname(config)), 'data', 'ranking', `${name}.truth.json`),
      workDir: path.join('.supernet', 'ranking-truth'),
    });
    return true;
  }
  return false;
}
