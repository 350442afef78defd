import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  DiagnosticSeverity,
  type CompletionItem,
  type MarkupContent,
  type TextEdit,
} from 'vscode-languageserver-types';
import type { PytorchStatus } from '../../../server/src/analysis/pytorchFacts';
import { torchProblem, type PythonFacts } from '../../../server/src/python/pythonEnv';
import { applyEdit, diagnostics, doc, service, SMALL, span } from './support';

/** A CPU-only torch that can run data-parallel on the CPU (gloo, torchrun). */
const CPU_TORCH: PythonFacts = {
  python: '3.11.2',
  executable: '/usr/bin/python3',
  torch: '1.13.0',
  cuda: false,
  cudaBuild: null,
  gpus: 0,
  gpuNames: [],
  gloo: true,
  nccl: false,
  torchrun: true,
};
const CUDA_TORCH: PythonFacts = {
  ...CPU_TORCH,
  executable: '/opt/venv/bin/python',
  torch: '2.4.0+cu121',
  cuda: true,
  cudaBuild: '12.1',
  gpus: 2,
  gpuNames: ['NVIDIA H100', 'NVIDIA H100'],
  nccl: true,
};
const REASON =
  'No Python with PyTorch was found cannot run the pytorch backend. Tried python3: not found. Install PyTorch.';
const OK: PytorchStatus = { ok: true, facts: CPU_TORCH };
const MISSING: PytorchStatus = { ok: false, reason: REASON };

/** The service with a fixed status, and how often it was asked. */
function withStatus(status: PytorchStatus) {
  const asked = { count: 0 };
  const ls = service({
    pytorchStatus: () => {
      asked.count++;
      return status;
    },
  });
  return { ls, asked };
}

/** SMALL with a `train` section of these lines (each indented by two spaces). */
const withTrain = (...lines: string[]) =>
  `${SMALL}train:\n${lines.map((l) => `  ${l}\n`).join('')}`;
const lineOf = (text: string, needle: string) =>
  text.split('\n').findIndex((l) => l.includes(needle));

function completeAt(status: PytorchStatus | undefined, text: string, needle: string) {
  const line = lineOf(text, needle);
  const character = text.split('\n')[line].length;
  const ls = status ? withStatus(status).ls : service();
  return ls.complete(doc(text), { line, character }).items;
}
const labels = (items: CompletionItem[]) => items.map((i) => i.label);

void describe('the pytorch backend in the editor', () => {
  void test('completion offers pytorch as a backend only where a Python with torch was found', () => {
    const text = withTrain('backend: ');
    const all = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu', 'pytorch'];
    assert.deepEqual(labels(completeAt(OK, text, 'backend:')), all);
    assert.deepEqual(labels(completeAt(MISSING, text, 'backend:')), all.slice(0, -1));
    // Without a status (a pure service) nothing is known: every backend is offered.
    assert.deepEqual(labels(completeAt(undefined, text, 'backend:')), all);
  });

  void test("the backend key's snippet leaves pytorch out where it cannot run", () => {
    const text = withTrain('epochs: 1', 'back');
    const snippet = (status: PytorchStatus) =>
      (completeAt(status, text, 'back').find((i) => i.label === 'backend')!.textEdit as TextEdit)
        .newText;
    assert.equal(snippet(OK), 'backend: ${1|auto,tensorflow-gpu,tensorflow,wasm,cpu,pytorch|}');
    assert.equal(snippet(MISSING), 'backend: ${1|auto,tensorflow-gpu,tensorflow,wasm,cpu|}');
  });

  void test('backend: pytorch without a usable Python is a warning on the value, saying why', () => {
    const text = withTrain('backend: pytorch');
    const { ls } = withStatus(MISSING);
    const found = ls.validate(doc(text)).filter((d) => d.code === 'pytorch-unavailable');
    assert.equal(found.length, 1);
    assert.equal(found[0].severity, DiagnosticSeverity.Warning);
    assert.equal(found[0].message, REASON);
    const line = lineOf(text, 'backend:');
    assert.deepEqual(span(found[0].range), [line, 11, line, 18]);
    assert.deepEqual(
      withStatus(OK)
        .ls.validate(doc(text))
        .map((d) => d.code),
      [],
      'a usable Python: no finding',
    );
  });

  void test('device: cuda with a torch that has no CUDA is a warning on the device, in torchProblem’s words', () => {
    const text = withTrain('backend: pytorch', 'pytorch: { device: cuda }');
    const found = withStatus(OK)
      .ls.validate(doc(text))
      .filter((d) => d.code === 'torch-lacks');
    assert.equal(found.length, 1);
    assert.equal(found[0].severity, DiagnosticSeverity.Warning);
    assert.equal(found[0].message, torchProblem(CPU_TORCH, { device: 'cuda', world: 1 }));
    assert.match(found[0].message, /CPU-only build/);
    const line = lineOf(text, 'device: cuda');
    assert.deepEqual(span(found[0].range), [line, 21, line, 25]);
    const cuda = withStatus({ ok: true, facts: CUDA_TORCH }).ls.validate(doc(text));
    assert.deepEqual(
      cuda.map((d) => d.code),
      [],
    );
  });

  void test('Python is looked for only in configs that mention pytorch, and nothing is said of other backends', () => {
    const { ls, asked } = withStatus(MISSING);
    assert.deepEqual(ls.validate(doc(withTrain('backend: wasm'))), []);
    assert.equal(asked.count, 0);
    ls.validate(doc(withTrain('backend: auto', 'pytorch: { nprocPerNode: 2 }')));
    assert.equal(asked.count, 1, 'a pytorch section is a mention');
  });

  void test('a batch that does not split over the processes is an error on batchSize, with a fix', () => {
    const text = withTrain('batchSize: 64', 'backend: pytorch', 'pytorch: { nprocPerNode: 3 }');
    const [found] = diagnostics(text, 'uneven-batch-split');
    assert.equal(found.severity, DiagnosticSeverity.Error);
    assert.match(found.message, /batchSize 64 does not split evenly over 3 processes/);
    const line = lineOf(text, 'batchSize');
    assert.deepEqual(span(found.range), [line, 13, line, 15]);
    const fix = service().codeActions(doc(text), found.range)[0];
    assert.equal(fix.title, 'Set the batch size to 63');
    assert.deepEqual(diagnostics(applyEdit(text, fix.edit), 'uneven-batch-split'), []);
  });

  void test('with the default batch size the error sits on nprocPerNode', () => {
    const text = withTrain(
      'backend: pytorch',
      'pytorch: { nprocPerNode: 2, nnodes: 3, rdzv: "10.0.0.1:29500" }',
    );
    const found = diagnostics(text, 'uneven-batch-split');
    assert.equal(found.length, 1);
    assert.match(found[0].message, /64 does not split evenly over 6 processes \(3 node\(s\) × 2\)/);
    const line = lineOf(text, 'nprocPerNode');
    assert.deepEqual(span(found[0].range), [line, 27, line, 28]);
  });

  void test('few-shot training on pytorch is an error on fewShot', () => {
    const text = withTrain('fewShot: { splits: 2 }', 'backend: pytorch');
    const found = diagnostics(text, 'conflicting-settings');
    assert.equal(found.length, 1);
    assert.equal(found[0].severity, DiagnosticSeverity.Error);
    assert.match(found[0].message, /not supported on the pytorch backend yet/);
    const line = lineOf(text, 'fewShot');
    assert.deepEqual(span(found[0].range), [line, 2, line, 9]);
    assert.deepEqual(diagnostics(withTrain('fewShot: { splits: 2 }'), 'conflicting-settings'), []);
  });

  void test('several nodes without rdzv is an error on nnodes; with it, none', () => {
    const text = withTrain('backend: pytorch', 'pytorch: { nnodes: 2 }');
    const found = diagnostics(text, 'missing-key');
    assert.equal(found.length, 1);
    assert.equal(found[0].severity, DiagnosticSeverity.Error);
    assert.match(found[0].message, /2 nodes need a place to meet.*rdzv: HOST:PORT/);
    const line = lineOf(text, 'nnodes');
    assert.deepEqual(span(found[0].range), [line, 21, line, 22]);
    const meeting = withTrain('backend: pytorch', 'pytorch: { nnodes: 2, rdzv: "10.0.0.1:29500" }');
    assert.deepEqual(diagnostics(meeting), []);
  });

  void test('the hover on backend: pytorch shows the interpreter, torch and CUDA; or why there is none', () => {
    const text = withTrain('backend: pytorch', 'pytorch: { device: auto }');
    const hoverText = (status: PytorchStatus, needle: string, character: number) => {
      const h = withStatus(status).ls.hover(doc(text), { line: lineOf(text, needle), character });
      return (h!.contents as MarkupContent).value;
    };
    const cpu = hoverText(OK, 'backend:', 13);
    assert.match(
      cpu,
      /\*\*PyTorch here:\*\* torch 1\\\.13\\\.0 · Python 3\\\.11\\\.2 at \/usr\/bin\/python3/,
    );
    assert.match(cpu, /CUDA: none \(a CPU-only build\)/);
    assert.match(cpu, /Data-parallel: torchrun, gloo/);
    const gpu = hoverText({ ok: true, facts: CUDA_TORCH }, 'pytorch:', 3);
    assert.match(gpu, /CUDA: 2 GPUs \(NVIDIA H100, NVIDIA H100\), CUDA 12\.1/);
    assert.match(gpu, /torchrun, gloo, NCCL/);
    assert.match(
      hoverText(MISSING, 'backend:', 13),
      /\*\*PyTorch is not available here\.\*\* No Python/,
    );
    assert.doesNotMatch(hoverText(OK, 'backend:', 4), /PyTorch here/, 'not on the key');
  });
});
