#!/usr/bin/env node
// Purpose: two simulated devices on this machine (issue #30, "what it must show"): a device
// worker pinned to core 1 with one onnxruntime thread (`pin1`), and one with two threads on
// both cores (`two2`). Both are profiled on the tiny example's and the bench net's spaces
// (their tables' quality against whole subnets timed on the same device), then the tiny
// example is searched once per device, each search constrained to the middle of that
// device's latency range: the fronts, where every latency came from, and whether this
// machine's latency was used. Writes lab/results/devices/*.
//
//   npm run build && npx tsc -b && node out/lab/device-search.js [--budget 160]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EngineEvent } from '#shared/protocol/engine';
import type { Candidate, ParetoFile } from '#shared/runFolder/records';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'bin', 'supernet.js');
const args = process.argv.slice(2);
const budget = Number(args[args.indexOf('--budget') + 1] || 160);
const out = path.join(root, 'lab', 'results', 'devices');
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(path.join(tmpdir(), 'supernet-devices-lab-'));
const port = 6300 + Math.floor(Math.random() * 500);
const url = `redis://127.0.0.1:${port}`;
const children: ChildProcess[] = [];
const report: string[] = [];
const say = (s: string) => {
  report.push(s);
  process.stdout.write(s + '\n');
};

const run = (argv: string[], what: string): string => {
  const r = spawnSync(process.execPath, [cli, ...argv], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 1_800_000,
  });
  if (r.status !== 0) throw new Error(`${what} failed: ${r.stderr}`);
  return r.stdout;
};
const events = (stdout: string): EngineEvent[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as EngineEvent);

async function main(): Promise<void> {
  children.push(
    spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    }),
  );
  await new Promise((r) => setTimeout(r, 500));
  // The devices: one core and one thread; both cores and two threads.
  const worker = (device: string, threads: number, pin?: string) => {
    const argv = [
      cli,
      'worker',
      '--queue',
      url,
      '--device',
      device,
      '--name',
      device,
      '--threads',
      String(threads),
    ];
    const child = pin
      ? spawn('taskset', ['-c', pin, process.execPath, ...argv], { cwd: dir, stdio: 'ignore' })
      : spawn(process.execPath, argv, { cwd: dir, stdio: 'ignore' });
    children.push(child);
  };
  worker('pin1', 1, '1');
  worker('two2', 2);
  await new Promise((r) => setTimeout(r, 4_000));

  say(`# Two devices on this machine (${new Date().toISOString()})\n`);
  say(
    'pin1: `taskset -c 1 supernet worker --device pin1 --threads 1`; two2: `supernet worker --device two2 --threads 2`.\n',
  );
  say(
    '## Latency tables and their quality (50 random subnets timed whole on the same device, none used to fit)\n',
  );
  say(
    '| space | device | units | within ±10% | RMSE | MAPE | Kendall τ | a line in MACs: within ±10% / MAPE / τ | measured range | repeatability (2nd timing within ±10%) |',
  );
  say('|---|---|---|---|---|---|---|---|---|---|');
  for (const space of ['tiny', 'bench']) {
    const config = path.join(root, 'examples', `${space}.supernet.yaml`);
    for (const device of ['pin1', 'two2']) {
      const end = events(
        run(
          ['profile', config, '--device', device, '--queue', url, '--json'],
          `profile ${space} ${device}`,
        ),
      ).find((e) => e.type === 'profile-end');
      if (end?.type !== 'profile-end' || !end.quality) throw new Error('no profile-end');
      const q = end.quality;
      say(
        `| ${space} | ${device} | ${end.units} | ${(100 * q.within10).toFixed(0)}% | ${(1000 * q.rmseMs).toFixed(1)} µs | ${q.mape.toFixed(1)}% | ${q.tau.toFixed(3)} | ${q.macsBaseline ? `${(100 * q.macsBaseline.within10).toFixed(0)}% / ${q.macsBaseline.mape.toFixed(1)}% / ${q.macsBaseline.tau.toFixed(3)}` : '–'} | ${q.measuredMs.min.toFixed(3)}–${q.measuredMs.max.toFixed(3)} ms | ${q.repeatability !== undefined ? `${(100 * q.repeatability).toFixed(0)}%` : '–'} |`,
      );
    }
  }
  for (const f of readdirSync(path.join(dir, '.supernet', 'devices')))
    writeFileSync(path.join(out, f), readFileSync(path.join(dir, '.supernet', 'devices', f)));

  say('\n## One search per device, the tiny example after one epoch, budget ' + budget + '\n');
  const tiny = readFileSync(path.join(root, 'examples', 'tiny.supernet.yaml'), 'utf8');
  for (const device of ['pin1', 'two2']) {
    const table = JSON.parse(
      readFileSync(path.join(dir, '.supernet', 'devices', `${device}.json`), 'utf8'),
    ) as {
      spaces: Record<string, { quality?: { measuredMs: { min: number; max: number } } }>;
    };
    const tinySpace = Object.values(table.spaces).find((s) => s.quality)!;
    const { min, max } = tinySpace.quality!.measuredMs;
    const bound = Number((min + 0.5 * (max - min)).toFixed(4));
    const config = path.join(dir, `tiny-${device}.supernet.yaml`);
    writeFileSync(
      config,
      tiny
        .replace(
          'objectives: { accuracy: max, macs: min }',
          `objectives: { accuracy: max, latency@${device}: min }`,
        )
        .replace(
          'constraints: ["macs <= 400k"]',
          `constraints: ["latency@${device} <= ${bound}ms"]`,
        ),
    );
    run(['train', config, '--json'], `train ${device}`);
    const runs = path.join(dir, '.supernet', 'runs');
    const id = readdirSync(runs).find(
      (r) => JSON.parse(readFileSync(path.join(runs, r, 'run.json'), 'utf8')).configPath === config,
    )!;
    const search = events(
      run(
        ['search', id, '--budget', String(budget), '--device-queue', url, '--json'],
        `search ${device}`,
      ),
    );
    const start = search.find((e) => e.type === 'search-start');
    const pareto = JSON.parse(
      readFileSync(path.join(runs, id, 'pareto.json'), 'utf8'),
    ) as ParetoFile;
    const all = readFileSync(path.join(runs, id, 'candidates.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Candidate);
    const fromDevice = all.filter(
      (c) =>
        c.deviceLatency?.[device]?.source === 'device' && c.deviceLatency[device].worker === device,
    );
    say(`### ${device}: constraint latency@${device} <= ${bound} ms\n`);
    say(
      `- latency sources (search-start): ${start?.type === 'search-start' ? start.latencySources?.join('; ') : '?'}`,
    );
    say(
      `- ${all.length} candidates; ${fromDevice.length} with latency@${device} timed by worker ${device}; ${all.filter((c) => c.latency !== undefined).length} with this machine's latency`,
    );
    say(
      `- front (${pareto.front.length} subnets, hypervolume ${pareto.hypervolume.toFixed(4)}):\n`,
    );
    say('| subnet | inherited accuracy | MACs | latency on ' + device + ' (ms) |');
    say('|---|---|---|---|');
    for (const c of pareto.front)
      say(
        `| ${c.key} | ${(100 * c.accuracy).toFixed(2)}% | ${Math.round(c.flops / 1000)}k | ${c.deviceLatency?.[device]?.ms.toFixed(4)} |`,
      );
    say('');
  }
}

main()
  .catch((e) => {
    say(`failed: ${(e as Error).message}`);
    process.exitCode = 1;
  })
  .finally(() => {
    writeFileSync(path.join(out, 'device-search.md'), report.join('\n') + '\n');
    for (const c of children) c.kill('SIGKILL');
    spawnSync('pkill', ['-f', `--queue ${url}`]);
    rmSync(dir, { recursive: true, force: true });
  });
