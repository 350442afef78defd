// The dashboard's number formatting (media/src/dashboard/format.ts): pure functions the page
// draws axes, tooltips and legends with, tested here in Node.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  formatLoss,
  formatLossTick,
  formatMetric,
  formatMetricTick,
  formatPercent,
  formatSci,
  metricLabel,
} from '../../../../media/src/dashboard/format';

void test('losses: three decimals near 1, three figures below, whole numbers from 100', () => {
  assert.equal(formatLoss(2.30259), '2.303');
  assert.equal(formatLoss(0.012345), '0.0123');
  assert.equal(formatLoss(123.4), '123');
  assert.equal(formatLossTick(0.25), '0.25');
  assert.equal(formatLossTick(2.0000001), '2');
});

void test('gradient variances in scientific notation only when they need it', () => {
  assert.equal(formatSci(0), '0');
  assert.equal(formatSci(0.0123), '0.0123');
  assert.equal(formatSci(1.5e-5), '1.5e-5');
  assert.equal(formatSci(25000), '2.5e+4');
});

void test('each metric in its unit: accuracy in %, MACs counted, latency in ms', () => {
  assert.equal(formatPercent(0.8734), '87.3%');
  assert.equal(formatMetric('accuracy', 0.8734), '87.3%');
  assert.equal(formatMetric('flops', 141_608), '142k MACs');
  assert.equal(formatMetric('params', 6730), '6.73k');
  assert.equal(formatMetric('latency', 0.1403), '0.14 ms');
  assert.equal(formatMetric('latency', 12.34), '12.3 ms');
  assert.equal(formatMetricTick('flops', 2_000_000), '2M');
  assert.equal(formatMetricTick('latency', 1.23456), '1.23');
  // The MACs axis says what the number is: multiply-accumulates, whatever the key is called.
  assert.match(metricLabel('flops'), /MACs/);
  // A device's latency names the device, in the same unit as this machine's.
  assert.equal(metricLabel('latency@pi5'), 'Latency on pi5 (ms)');
  assert.equal(formatMetric('latency@pi5', 1.234), '1.23 ms');
  assert.equal(formatMetricTick('latency@pi5', 1.23456), '1.23');
});
