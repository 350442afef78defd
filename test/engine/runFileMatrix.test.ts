// The corrupted-run-file matrix: every file of a run folder × {truncated, bit flips, wrong
// types, empty, missing, oversized}, each read by the jobs and views that read it (resume,
// search, the Runs tree's summary, the dashboard, the ranking check's cache). Each reader
// either refuses, naming the file, or tolerates it; and no other file of the run loses a
// byte: a refused job changes nothing, a tolerated one writes only its own files, and its
// append-only logs only grow.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readJsonLinesFile } from '#shared/runFolder/appendLog';
import { RunPaths, RUN_FILES } from '#shared/runFolder/layout';
import { readRunSummary } from '#shared/runs/readRuns';
import { parseCandidate } from '#shared/runFolder/records';
import { readRunFolder } from '../../client/src/dashboard/runFolderReader';
import { StandaloneCache } from '../../server/src/engine/run/standaloneCache';
import { cli, microConfig } from './microRun';
import { editCheckpointHeader, fingerprint } from './runFileTools';

const config = microConfig({
  name: 'matrix',
  train:
    'steps: 8, batchSize: 8, checkpointEvery: 4, seed: 5, sampler: { type: sandwich, subnets: 3 }',
});

type Kind = 'truncated' | 'bit flips' | 'wrong types' | 'empty' | 'missing' | 'oversized';
const KINDS: Kind[] = ['truncated', 'bit flips', 'wrong types', 'empty', 'missing', 'oversized'];

/** Who reads a file: a job through the CLI, or a view or cache in this process. */
type Reader = 'resume' | 'search' | 'summary' | 'standalone';

/** The files a job may write; every other file must keep every byte. */
const WRITES: Record<Reader, string[]> = {
  resume: [RUN_FILES.events, RUN_FILES.checkpoint, RUN_FILES.meta],
  search: [RUN_FILES.candidates, RUN_FILES.searchEvents, RUN_FILES.pareto],
  summary: [],
  standalone: [],
};
/** Of those, the ones only ever appended to: what was there must still be their beginning. */
const APPEND_ONLY = new Set<string>([
  RUN_FILES.candidates,
  RUN_FILES.searchEvents,
  RUN_FILES.events,
]);

interface Target {
  /** What the matrix calls it (the checkpoint is two: its header and its tensors). */
  name: string;
  file: string;
  readers: Reader[];
  /** Kinds that are the same fault as another target's (an empty checkpoint is one file). */
  kinds?: Kind[];
  /** The file's name as a refusal must say it. */
  named: RegExp;
}

const TARGETS: Target[] = [
  { name: 'run.json', file: RUN_FILES.meta, readers: ['summary', 'resume'], named: /run\.json/ },
  {
    name: 'config.yaml',
    file: RUN_FILES.config,
    readers: ['resume', 'search'],
    named: /config\.yaml/,
  },
  {
    name: 'events.jsonl',
    file: RUN_FILES.events,
    readers: ['summary', 'resume'],
    named: /events\.jsonl/,
  },
  {
    name: 'checkpoint header',
    file: RUN_FILES.checkpoint,
    readers: ['resume', 'search'],
    named: /checkpoint\.bin/,
  },
  {
    name: 'checkpoint tensors',
    file: RUN_FILES.checkpoint,
    readers: ['resume', 'search'],
    kinds: ['truncated', 'bit flips', 'wrong types', 'oversized'],
    named: /checkpoint\.bin/,
  },
  {
    name: 'candidates.jsonl',
    file: RUN_FILES.candidates,
    readers: ['summary', 'search'],
    named: /candidates\.jsonl/,
  },
  {
    name: 'search-events.jsonl',
    file: RUN_FILES.searchEvents,
    readers: ['summary'],
    named: /search-events\.jsonl/,
  },
  { name: 'pareto.json', file: RUN_FILES.pareto, readers: ['summary'], named: /pareto\.json/ },
  { name: 'rank.json', file: RUN_FILES.rank, readers: ['summary'], named: /rank\.json/ },
  {
    name: 'standalone.jsonl',
    file: RUN_FILES.standalone,
    readers: ['standalone'],
    named: /standalone\.jsonl/,
  },
];

const OVERSIZE = 40 * 2 ** 20;

/** Every value replaced by one of another type, keys kept. */
function wrongTypes(x: unknown): unknown {
  if (Array.isArray(x)) return { list: x.length };
  if (x !== null && typeof x === 'object')
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, wrongTypes(v)]));
  if (typeof x === 'number') return `n${x}`;
  if (typeof x === 'string') return x.length;
  return [x];
}

/** A few bits flipped, spread over the file (the same ones every run). */
function flipBits(buf: Buffer, from = 0): Buffer {
  const out = Buffer.from(buf);
  for (let i = 1; i <= 8; i++) {
    const at = from + Math.floor(((out.length - from) * i) / 9);
    out[at] ^= 0x24;
  }
  return out;
}

function corrupt(target: Target, kind: Kind, file: string): void {
  const buf = readFileSync(file);
  const isCheckpoint = target.file === RUN_FILES.checkpoint;
  const headerEnd = isCheckpoint ? 12 + buf.readUInt32LE(8) : 0;
  const onTensors = target.name === 'checkpoint tensors';
  switch (kind) {
    case 'truncated':
      // In the middle of the header, or of the tensor data, or of the text.
      return writeFileSync(
        file,
        buf.subarray(
          0,
          onTensors
            ? Math.floor((headerEnd + buf.length) / 2)
            : isCheckpoint
              ? Math.floor(headerEnd / 2)
              : Math.floor(buf.length / 2),
        ),
      );
    case 'bit flips':
      return writeFileSync(
        file,
        onTensors
          ? flipBits(buf, headerEnd)
          : isCheckpoint
            ? Buffer.concat([flipBits(buf.subarray(0, headerEnd), 12), buf.subarray(headerEnd)])
            : flipBits(buf),
      );
    case 'empty':
      return writeFileSync(file, '');
    case 'missing':
      return rmSync(file);
    case 'oversized':
      // Padding each reader can see for what it is, or must refuse.
      if (isCheckpoint) return writeFileSync(file, Buffer.concat([buf, Buffer.alloc(OVERSIZE)]));
      if (file.endsWith('.yaml'))
        return writeFileSync(file, `${buf.toString()}#${'x'.repeat(OVERSIZE)}\n`);
      if (file.endsWith('.jsonl'))
        return writeFileSync(file, `${buf.toString()}${'x'.repeat(OVERSIZE)}\n`);
      return writeFileSync(file, `${buf.toString()}${' '.repeat(OVERSIZE)}`);
    case 'wrong types':
      if (onTensors) {
        // Finite floats where the header says so, but NaN in the data, checksum and all.
        const data = Buffer.from(buf.subarray(headerEnd));
        data.writeFloatLE(NaN, 8);
        writeFileSync(file, Buffer.concat([buf.subarray(0, headerEnd), data]));
        return editCheckpointHeader(file, (o) => {
          o.sha256 = createHash('sha256').update(data).digest('hex');
        });
      }
      if (isCheckpoint)
        return editCheckpointHeader(
          file,
          (o) => void (o.header = wrongTypes(o.header) as Record<string, unknown>),
          {
            dropHeaderChecksum: true,
          },
        );
      if (file.endsWith('.yaml'))
        return writeFileSync(file, buf.toString().replace(/\b(\d+)\b/g, '"n$1"'));
      if (file.endsWith('.jsonl'))
        return writeFileSync(
          file,
          buf
            .toString()
            .split('\n')
            .map((l) => (l.trim() ? JSON.stringify(wrongTypes(JSON.parse(l))) : l))
            .join('\n'),
        );
      return writeFileSync(file, JSON.stringify(wrongTypes(JSON.parse(buf.toString()))));
  }
}

/** A refusal or a tolerance, with the message of a refusal. */
type Outcome = { ok: true } | { ok: false; message: string };

async function read(reader: Reader, runs: string, run: RunPaths, cwd: string): Promise<Outcome> {
  const viaCli = (args: string[]): Outcome => {
    const r = spawnSync(process.execPath, [cli, ...args, '--runs', runs], {
      cwd,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return r.status === 0 ? { ok: true } : { ok: false, message: `exit ${r.status}: ${r.stderr}` };
  };
  const inProcess = async (f: () => unknown): Promise<Outcome> => {
    try {
      await f();
      return { ok: true };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  };
  switch (reader) {
    case 'resume':
      return viaCli(['train', '--resume', run.id, '--steps', '12']);
    case 'search':
      return viaCli(['search', run.id, '--budget', '2']);
    case 'summary':
      return inProcess(async () => {
        await readRunSummary(run.dir);
        await readRunFolder(run.dir);
      });
    case 'standalone':
      return inProcess(() => new StandaloneCache(run.standaloneFile, 'recipe').get('k', 1));
  }
}

void describe('corrupted run files', () => {
  let dir: string;
  let template: RunPaths;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-matrix-'));
    writeFileSync(path.join(dir, 'matrix.supernet.yaml'), config);
    const run = (args: string[]) => {
      const r = spawnSync(process.execPath, [cli, ...args, '--runs', 'template'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(r.status, 0, r.stderr);
    };
    run(['train', 'matrix.supernet.yaml']);
    template = new RunPaths(path.join(dir, 'template', readdirSync(path.join(dir, 'template'))[0]));
    run(['search', template.id, '--budget', '4']);
    // A ranking check's files, as the engine writes them (their readers need no training).
    const cands = readJsonLinesFile(template.candidatesFile, parseCandidate);
    const subnets = cands.map((c, i) => ({
      key: c.key,
      flops: c.flops,
      params: c.params,
      supernetAccuracy: c.accuracy,
      standaloneAccuracy: 0.5 + i / 100,
      standaloneSeconds: 1,
    }));
    writeFileSync(
      template.rankFile,
      JSON.stringify({
        runId: template.id,
        epochs: 1,
        seed: 0,
        subnets,
        kendallTau: 0.5,
        spearmanRho: 0.6,
        time: new Date().toISOString(),
      }),
    );
    writeFileSync(
      template.standaloneFile,
      cands
        .map(
          (c) =>
            JSON.stringify({
              recipe: 'recipe',
              key: c.key,
              epochs: 1,
              accuracy: 0.5,
              loss: 1,
              images: 100,
              seconds: 1,
              time: '',
            }) + '\n',
        )
        .join(''),
    );
    for (const f of [
      RUN_FILES.meta,
      RUN_FILES.config,
      RUN_FILES.events,
      RUN_FILES.checkpoint,
      RUN_FILES.candidates,
      RUN_FILES.searchEvents,
      RUN_FILES.pareto,
      RUN_FILES.rank,
      RUN_FILES.standalone,
    ])
      assert.ok(existsSync(path.join(template.dir, f)), `the template has ${f}`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const target of TARGETS) {
    void test(`${target.name}: truncated, bit flips, wrong types, empty, missing, oversized`, async () => {
      const seen: string[] = [];
      for (const kind of target.kinds ?? KINDS) {
        for (const reader of target.readers) {
          const runs = path.join(
            dir,
            'cases',
            `${target.name}-${kind}-${reader}`.replace(/\W+/g, '-'),
          );
          mkdirSync(runs, { recursive: true });
          const run = new RunPaths(path.join(runs, template.id));
          cpSync(template.dir, run.dir, { recursive: true });
          const file = path.join(run.dir, target.file);
          corrupt(target, kind, file);
          const before = fingerprint(run.dir);
          const oldTexts = new Map(
            [...before]
              .filter(([, hash]) => hash !== 'folder')
              .map(([n]) => [n, readFileSync(path.join(run.dir, n))]),
          );
          const outcome = await read(reader, runs, run, dir);
          const after = fingerprint(run.dir);
          const what = `${target.name} ${kind}, ${reader}`;
          seen.push(
            `${what}: ${outcome.ok ? 'tolerated' : `refused: ${outcome.message.split('\n')[0].slice(0, 160)}`}`,
          );
          if (!outcome.ok) {
            assert.match(outcome.message, target.named, `${what}: a refusal names the file`);
            assert.doesNotMatch(
              outcome.message,
              /TypeError|Cannot read properties|undefined/,
              what,
            );
          }
          for (const name of new Set([...before.keys(), ...after.keys()])) {
            if (before.get(name) === after.get(name)) continue;
            const mayWrite = outcome.ok && WRITES[reader].includes(name);
            assert.ok(mayWrite, `${what}: ${name} changed`);
            if (APPEND_ONLY.has(name) && name !== target.file) {
              const old = oldTexts.get(name) ?? Buffer.alloc(0);
              const now = readFileSync(path.join(run.dir, name));
              assert.ok(now.subarray(0, old.length).equals(old), `${what}: ${name} kept its lines`);
            }
          }
          rmSync(runs, { recursive: true, force: true });
        }
      }
      // The outcomes, for whoever reads the test's log.
      console.log(seen.join('\n'));
    });
  }
});
