import test from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  canonicalJson,
  fleetSecret,
  macOf,
  resultPayload,
  SECRET_ENV,
  SECRET_FILE_ENV,
  signed,
  verifyMac,
} from '../../../../../server/src/engine/execute/queue/fleetAuth';

const secret = Buffer.from('a fleet secret of some length');

void test('canonical JSON sorts keys at every depth and leaves out undefined', () => {
  assert.equal(
    canonicalJson({ b: 1, a: [{ d: 2, c: 'x' }], u: undefined }),
    '{"a":[{"c":"x","d":2}],"b":1}',
  );
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
});

void test('the MAC is HMAC-SHA256 of the canonical JSON without the mac field, by hand', () => {
  const job = { kind: 'evaluate', runDir: '/r', archs: [{ resolution: 28 }] };
  const expected = createHmac('sha256', secret)
    .update('{"archs":[{"resolution":28}],"kind":"evaluate","runDir":"/r"}')
    .digest('hex');
  assert.equal(macOf(secret, job), expected);
  const s = signed(secret, job);
  assert.equal(s.mac, expected);
  assert.ok(verifyMac(secret, s));
  // Key order does not matter; any change of content, or another secret, does.
  assert.ok(
    verifyMac(secret, { runDir: '/r', mac: s.mac, archs: [{ resolution: 28 }], kind: 'evaluate' }),
  );
  assert.ok(!verifyMac(secret, { ...s, runDir: '/etc' }));
  assert.ok(!verifyMac(Buffer.from('another secret, also long'), s));
  assert.ok(!verifyMac(secret, { ...s, mac: 'zz' }));
  assert.ok(!verifyMac(secret, { ...job }));
});

void test('a signed result is bound to its subnet and checkpoint', () => {
  const stored = { accuracy: 0.8, loss: 0.5, worker: 'w1', seconds: 1 };
  const mac = macOf(secret, resultPayload('supernet:results:abc', 'r28-d1', stored));
  assert.ok(verifyMac(secret, { ...resultPayload('supernet:results:abc', 'r28-d1', stored), mac }));
  assert.ok(
    !verifyMac(secret, { ...resultPayload('supernet:results:abc', 'r28-d2', stored), mac }),
  );
  assert.ok(
    !verifyMac(secret, { ...resultPayload('supernet:results:abd', 'r28-d1', stored), mac }),
  );
  assert.ok(
    !verifyMac(secret, {
      ...resultPayload('supernet:results:abc', 'r28-d1', { ...stored, accuracy: 0.99 }),
      mac,
    }),
  );
});

void test('the secret comes from the environment or a file, never too short, never through a link', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleet-secret-'));
  try {
    assert.equal(fleetSecret({}), undefined);
    assert.equal(
      fleetSecret({ [SECRET_ENV]: '  0123456789abcdef  ' })?.toString(),
      '0123456789abcdef',
    );
    assert.throws(() => fleetSecret({ [SECRET_ENV]: 'short' }), /shorter than 16 characters/);
    const file = path.join(dir, 'secret');
    writeFileSync(file, '0123456789abcdefXYZ\n');
    assert.equal(fleetSecret({ [SECRET_FILE_ENV]: file })?.toString(), '0123456789abcdefXYZ');
    const link = path.join(dir, 'link');
    symlinkSync(file, link);
    assert.throws(
      () => fleetSecret({ [SECRET_FILE_ENV]: link }),
      /Cannot read the fleet secret file/,
    );
    assert.throws(() => fleetSecret({ [SECRET_FILE_ENV]: path.join(dir, 'none') }), /Cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
