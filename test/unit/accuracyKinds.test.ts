import test from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracyKindLabel,
  bestTrained,
  labelledAccuracy,
  subnetAccuracies,
} from '#shared/accuracyKinds';

void test('every kind has its name; the trained kinds say how long', () => {
  assert.equal(accuracyKindLabel({ kind: 'inherited' }), 'inherited');
  assert.equal(accuracyKindLabel({ kind: 'finetuned', epochs: 3 }), 'fine-tuned 3 ep');
  assert.equal(accuracyKindLabel({ kind: 'standalone', epochs: 0.25 }), 'stand-alone 0.25 ep');
  assert.equal(accuracyKindLabel({ kind: 'finetuned' }), 'fine-tuned');
  assert.equal(
    labelledAccuracy({ kind: 'standalone', accuracy: 0.8123, epochs: 2 }),
    'stand-alone 2 ep 81.23%',
  );
});

void test('the best-trained figure: fine-tuned, then stand-alone, then inherited; more epochs win a tie of kinds', () => {
  const inherited = { kind: 'inherited' as const, accuracy: 0.9 };
  const alone1 = { kind: 'standalone' as const, accuracy: 0.7, epochs: 1 };
  const alone2 = { kind: 'standalone' as const, accuracy: 0.6, epochs: 2 };
  const tuned = { kind: 'finetuned' as const, accuracy: 0.5, epochs: 1 };
  assert.equal(bestTrained([]), undefined);
  assert.equal(bestTrained([inherited]), inherited);
  assert.equal(bestTrained([inherited, alone1, alone2]), alone2);
  assert.equal(bestTrained([tuned, alone2, inherited]), tuned);
});

void test("a subnet's accuracies from the run folder's records, in order of kind", () => {
  const all = subnetAccuracies({
    key: 'k',
    inherited: 0.7,
    finetune: { epochs: 1, finetuned: { accuracy: 0.8, loss: 0.5 } },
    standalone: [
      { key: 'k', epochs: 2, accuracy: 0.79 },
      { key: 'other', epochs: 1, accuracy: 0.1 },
      { key: 'k', epochs: 1, accuracy: 0.75 },
    ],
  });
  assert.deepEqual(all, [
    { kind: 'inherited', accuracy: 0.7 },
    { kind: 'standalone', accuracy: 0.75, epochs: 1 },
    { kind: 'standalone', accuracy: 0.79, epochs: 2 },
    { kind: 'finetuned', accuracy: 0.8, epochs: 1 },
  ]);
});
