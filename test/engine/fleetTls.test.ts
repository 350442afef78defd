// The queue over TLS with a password (#29, item 3): redis-server with a certificate from a
// throwaway CA made here and `requirepass`, a worker and a search that reach it with
// `rediss://`, the CA from SUPERNET_REDIS_CA_FILE and the password from
// SUPERNET_REDIS_PASSWORD (never on a command line). The password must appear in no output,
// event or run file; without the CA, or with a wrong password, the search fails saying why.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from '../e2e/wait';
import { allText, CliProcess, cli, freePort, hasRedisServer, isWorkerEvent } from './fleet';

const root = path.resolve(__dirname, '../../..');
const PASSWORD = 'tls-test-password-7f3a';

void describe('a worker fleet over TLS with a password', { timeout: 600_000 }, () => {
  let dir: string;
  let runs: string;
  let runId: string;
  let port: number;
  let server: ChildProcess | undefined;
  let worker: CliProcess | undefined;
  let env: NodeJS.ProcessEnv;
  const cliRun = (args: string[], e: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [cli, ...args], {
      cwd: dir,
      env: e,
      encoding: 'utf8',
      timeout: 300_000,
    });

  before(async () => {
    assert.ok(hasRedisServer(), 'redis-server is not installed (CI installs it in .ci/run)');
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-tls-'));
    const pki = path.join(dir, 'pki');
    mkdirSync(pki);
    const ssl = (args: string[]) => {
      const r = spawnSync('openssl', args, { cwd: pki, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    ssl(
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'ca.key',
        '-out',
        'ca.pem',
      ].concat(['-days', '1', '-subj', '/CN=supernet-test-ca']),
    );
    ssl(
      [
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'server.key',
        '-out',
        'server.csr',
      ].concat(['-subj', '/CN=127.0.0.1']),
    );
    writeFileSync(path.join(pki, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    ssl(
      ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key'].concat([
        '-CAcreateserial',
        '-out',
        'server.pem',
        '-days',
        '1',
        '-extfile',
        'ext.cnf',
      ]),
    );
    port = await freePort();
    mkdirSync(path.join(dir, 'redis'));
    server = spawn(
      'redis-server',
      ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1']
        .concat(['--tls-cert-file', path.join(pki, 'server.pem')])
        .concat(['--tls-key-file', path.join(pki, 'server.key')])
        .concat(['--tls-ca-cert-file', path.join(pki, 'ca.pem'), '--tls-auth-clients', 'no'])
        .concat(['--requirepass', PASSWORD, '--dir', path.join(dir, 'redis'), '--save', '']),
      { stdio: 'ignore' },
    );
    const ca = readFileSync(path.join(pki, 'ca.pem'), 'utf8');
    await waitFor(
      'redis-server to answer over TLS',
      async () => {
        const r = new Redis({
          port,
          host: '127.0.0.1',
          password: PASSWORD,
          tls: { ca },
          lazyConnect: true,
        });
        r.on('error', () => undefined);
        try {
          await r.connect();
          return (await r.ping()) === 'PONG' ? true : undefined;
        } catch {
          return undefined;
        } finally {
          r.disconnect();
        }
      },
      15_000,
      200,
    );
    env = {
      ...process.env,
      SUPERNET_REDIS_CA_FILE: path.join(pki, 'ca.pem'),
      SUPERNET_REDIS_PASSWORD: PASSWORD,
    };
    runs = path.join(dir, 'runs');
    writeFileSync(
      path.join(dir, 'tiny.supernet.yaml'),
      readFileSync(path.join(root, 'examples', 'tiny.supernet.yaml')),
    );
    const t = cliRun(['train', 'tiny.supernet.yaml', '--steps', '40', '--runs', runs], env);
    assert.equal(t.status, 0, t.stderr);
    runId = readdirSync(runs)[0];
  });

  after(async () => {
    worker?.child.kill('SIGKILL');
    const pid = worker?.events.find(isWorkerEvent)?.worker.pid;
    if (pid)
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    server?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  void test('a search over rediss:// runs on a TLS worker; the password is printed nowhere', async () => {
    const url = `rediss://127.0.0.1:${port}`;
    worker = new CliProcess(
      ['worker', '--queue', url, '--name', 'tls', '--threads', '1', '--runs', runs, '--json'],
      dir,
      env,
    );
    await worker.waitForEvent(
      'the worker to connect over TLS',
      (e): e is Extract<typeof e, { type: 'worker' }> =>
        isWorkerEvent(e) && e.state === 'connected',
      60_000,
    );
    const s = cliRun(
      ['search', runId, '--runs', runs, '--budget', '8', '--executor', url, '--json'],
      env,
    );
    assert.equal(s.status, 0, s.stderr);
    const runDir = path.join(runs, runId);
    const candidates = readFileSync(path.join(runDir, 'candidates.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { worker?: string });
    assert.equal(candidates.length, 8);
    assert.ok(
      candidates.every((c) => c.worker === 'tls'),
      'evaluated elsewhere than on the worker',
    );
    for (const [what, text] of [
      ['the search output', s.stdout + s.stderr],
      ['the worker output', JSON.stringify(worker.events) + worker.stderr],
      ['the run folder', allText(runDir)],
    ])
      assert.ok(!text.includes(PASSWORD), `the password is in ${what}`);
  });

  void test('without the CA, or with a wrong password, the search fails and says why', () => {
    const url = `rediss://127.0.0.1:${port}`;
    const noCa = { ...env, SUPERNET_REDIS_CA_FILE: '' };
    const a = cliRun(['search', runId, '--runs', runs, '--budget', '8', '--executor', url], noCa);
    assert.notEqual(a.status, 0);
    assert.match(
      a.stderr,
      /Cannot reach Redis at rediss:\/\/127\.0\.0\.1:\d+ \(.*(certificate|self.signed)/i,
    );
    const wrong = { ...env, SUPERNET_REDIS_PASSWORD: 'not-the-password' };
    const b = cliRun(['search', runId, '--runs', runs, '--budget', '8', '--executor', url], wrong);
    assert.notEqual(b.status, 0);
    assert.match(
      b.stderr,
      /Redis at rediss:\/\/127\.0\.0\.1:\d+ refused this connection \(.*WRONGPASS/,
    );
    assert.ok(!(b.stdout + b.stderr).includes('not-the-password'));
  });
});
