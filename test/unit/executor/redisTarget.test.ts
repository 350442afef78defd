import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CA_FILE_ENV,
  PASSWORD_ENV,
  PASSWORD_FILE_ENV,
  redisTarget,
} from '../../../server/src/engine/execute/queue/redisConnection';

void test('a password from the environment goes with the URL’s ACL user, out of the URL', () => {
  const t = redisTarget('redis://fleet@queue:6379/2', { [PASSWORD_ENV]: 'pw' });
  assert.equal(t.url, 'redis://queue:6379/2');
  assert.equal(t.options.username, 'fleet');
  assert.equal(t.options.password, 'pw');
  // The environment's password wins over one in the URL (ioredis would keep the URL's).
  const u = redisTarget('redis://a%40b:old@queue:6379', { [PASSWORD_ENV]: 'new' });
  assert.deepEqual(
    [u.url, u.options.username, u.options.password],
    ['redis://queue:6379', 'a@b', 'new'],
  );
  // No user name: the default user.
  const d = redisTarget('redis://queue:6379', { [PASSWORD_ENV]: 'pw' });
  assert.equal(d.options.username, undefined);
});

void test('without a password in the environment the URL is left as it is', () => {
  const t = redisTarget('redis://:inurl@queue:6379', {});
  assert.equal(t.url, 'redis://:inurl@queue:6379');
  assert.deepEqual(t.options, {});
});

void test('the password and CA files are read as regular files, never through a link', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'redis-target-'));
  try {
    writeFileSync(path.join(dir, 'pw'), 'from-file\n');
    writeFileSync(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
    symlinkSync(path.join(dir, 'pw'), path.join(dir, 'link'));
    const t = redisTarget('rediss://queue:6380', {
      [PASSWORD_FILE_ENV]: path.join(dir, 'pw'),
      [CA_FILE_ENV]: path.join(dir, 'ca.pem'),
    });
    assert.equal(t.options.password, 'from-file');
    assert.deepEqual(t.options.tls, {
      ca: '-----BEGIN CERTIFICATE-----\n',
      rejectUnauthorized: true,
    });
    assert.throws(
      () => redisTarget('redis://queue:6379', { [PASSWORD_FILE_ENV]: path.join(dir, 'link') }),
      /Cannot read the Redis password file .*link \(a regular file, no link\)/,
    );
    // rediss:// without a CA file: the system's CAs, the certificate still checked.
    assert.deepEqual(redisTarget('rediss://queue:6380', {}).options.tls, {});
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
