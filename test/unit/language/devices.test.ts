import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from 'vscode-languageserver-types';
import { parseConstraint } from '#shared/constraints';
import { deviceOf, metricOfName } from '#shared/metrics';
import { availableMetrics } from '#shared/charts/paretoAxes';
import { resolveConfig } from '../../../server/src/config/resolve';
import { handProfile } from '../../fixtures/deviceProfiles';
import { applyEdit, doc, service, SMALL, URI } from './support';

// The small space with a search that names devices.
const withSearch = (search: string) => `${SMALL}search:\n${search}`;
const { config } = resolveConfig(SMALL);
const profiles = new Map([['pi5', handProfile('pi5', config)]]);
const ls = () => service({ deviceProfiles: () => profiles });

void describe('latency@NAME in the config language', () => {
  void test('a constraint on a device parses to the device’s metric in ms; a wrong one says why', () => {
    assert.deepEqual(parseConstraint('latency@pi5 <= 8ms'), {
      metric: 'latency@pi5',
      op: '<=',
      value: 8,
    });
    assert.deepEqual(parseConstraint('latency@jetson.nano < 900us'), {
      metric: 'latency@jetson.nano',
      op: '<',
      value: 0.9,
    });
    assert.match(String(parseConstraint('macs@pi5 <= 2M')), /Only latency is measured on a device/);
    assert.match(String(parseConstraint('latency@-x <= 2ms')), /is not a device name/);
    assert.match(String(parseConstraint('latency@pi5 <= 2M')), /Unknown unit 'M' for latency@pi5/);
    assert.equal(deviceOf('latency@pi5'), 'pi5');
    assert.equal(deviceOf('latency'), undefined);
    assert.equal(metricOfName('latency@pi5'), 'latency@pi5');
  });

  void test('objectives take latency@NAME keys; a malformed one is an unknown objective', () => {
    const good = resolveConfig(withSearch('  objectives: { accuracy: max, latency@pi5: min }\n'));
    assert.deepEqual(good.problems, []);
    assert.deepEqual(good.config.search.objectives, { accuracy: 'max', 'latency@pi5': 'min' });
    const bad = resolveConfig(withSearch('  objectives: { accuracy: max, speed@pi5: min }\n'));
    assert.match(bad.problems.map((p) => p.message).join(), /Unknown objective 'speed@pi5'/);
  });

  void test('a device without a table is a warning, with the closest known name as a fix', () => {
    const text = withSearch(
      '  objectives: { accuracy: max, latency@pi4: min }\n  constraints: ["latency@nano <= 2ms"]\n',
    );
    const d = doc(text);
    const found = ls()
      .validate(d)
      .filter((x) => x.code === 'unknown-device');
    assert.equal(found.length, 2);
    assert.ok(found.every((x) => x.severity === 2));
    assert.match(found[0].message, /No latency table for device 'pi4'.*did you mean 'pi5'\?/);
    assert.match(found[1].message, /'nano'.*\(known: pi5\)/);
    const action = ls()
      .codeActions(d, found[0].range)
      .find((a) => (a.diagnostics as Diagnostic[])[0].code === 'unknown-device');
    assert.equal(action?.title, 'Change to latency@pi5');
    const fixed = applyEdit(text, action!.edit, URI);
    assert.match(fixed, /latency@pi5: min/);
    assert.deepEqual(
      ls()
        .validate(doc(fixed))
        .filter((x) => x.code === 'unknown-device')
        .map((x) => x.message)
        .filter((m) => /pi4/.test(m)),
      [],
    );
  });

  void test('completion offers each profiled device as an objective', () => {
    const text = withSearch('  objectives:\n    accuracy: max\n    \n');
    const line = text.split('\n').length - 2;
    const items = ls().complete(doc(text), { line, character: 4 }).items;
    const labels = items.map((i) => i.label);
    assert.ok(labels.includes('latency@pi5'), labels.join(', '));
    assert.ok(!labels.includes('accuracy'), 'a present objective is offered again');
  });

  void test('the code lens and the space’s hover give the latency range on each profiled device', () => {
    const lens = ls().codeLenses(doc(SMALL))[0].command!.title;
    assert.match(lens, /· pi5 \d\.\d+–\d\.\d+ ms$/);
    const line = SMALL.split('\n').findIndex((l) => l.startsWith('space:'));
    const hover = ls().hover(doc(SMALL), { line, character: 1 });
    const text = (hover?.contents as { value: string }).value;
    assert.match(text, /Latency on profiled devices/);
    assert.match(
      text,
      /\| pi5 \| [\d.]+–[\d.]+ ms \| 92% within ±10% of 50 subnets timed whole, τ 0\.85 \|/,
    );
  });

  void test('the hover on a latency@NAME objective gives that device’s range', () => {
    const text = withSearch('  objectives:\n    accuracy: max\n    latency@pi5: min\n');
    const line = text.split('\n').findIndex((l) => l.includes('latency@pi5'));
    const hover = ls().hover(doc(text), { line, character: 6 });
    const value = (hover?.contents as { value: string }).value;
    assert.match(value, /\| pi5 \| [\d.]+–[\d.]+ ms \|/);
  });

  void test('without a table the editor shows no device and warns of none it was not asked about', () => {
    assert.doesNotMatch(service().codeLenses(doc(SMALL))[0].command!.title, /ms/);
    assert.deepEqual(
      ls()
        .validate(doc(SMALL))
        .filter((x) => x.code === 'unknown-device'),
      [],
    );
  });

  void test('the Pareto chart offers every device some candidate was timed on as an axis', () => {
    const point = (
      key: string,
      deviceLatency?: Record<string, { ms: number; source: 'device' }>,
    ) => ({
      key,
      accuracy: 0.8,
      flops: 1e5,
      params: 1e4,
      ...(deviceLatency ? { deviceLatency } : {}),
    });
    assert.deepEqual(
      availableMetrics([
        point('a', { pi5: { ms: 2, source: 'device' } }),
        point('b', { nano: { ms: 1, source: 'device' } }),
      ]),
      ['accuracy', 'flops', 'params', 'latency@nano', 'latency@pi5'],
    );
  });
});
