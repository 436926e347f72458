/**
 * Sweeps across processes on BullMQ with a real Redis server: two `polychron worker`
 * processes, one killed with SIGKILL in the middle of a run; builders only from the
 * operator's modules; results only in the submitter's folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { expandSweep, QUEUE_DEFAULTS, runSweep, type SweepSpec } from '../lib';
import { repoRoot } from './helpers/child';
import { describeWithRedis, startRedis, type RedisServer } from './helpers/redis';
import { byId, outcome, readResults } from './helpers/sweep';

const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');
const builders = path.join(repoRoot, 'test', 'fixtures', 'sweep', 'builders.js');

interface Proc {
  child: ChildProcess;
  log: () => string;
  /** Resolves with the first match of `pattern` in the process's stderr. */
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  const onData = (chunk: Buffer): void => {
    text += chunk.toString();
    for (const w of [...waiters]) {
      const match = text.match(w.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(match);
      }
    }
  };
  child.stderr!.on('data', onData);
  child.stdout!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    log: () => text,
    exited,
    waitFor: (pattern) => new Promise((resolve, reject) => {
      const match = text.match(pattern);
      if (match) return resolve(match);
      waiters.push({ pattern, resolve });
      void exited.then((code) => reject(new Error(`the process exited (${code}) before printing ${pattern}:\n${text}`)));
    }),
  };
}


/** The ACL rule docs/sweeps.md recommends, as written there. */
function documentedAcl(password: string): string[] {
  const line = fs.readFileSync(path.join(repoRoot, 'docs', 'sweeps.md'), 'utf8').match(/^\s*ACL SETUSER (.*)$/m)![1];
  return line.replace('>CHANGE-ME', `>${password}`).split(/\s+/);
}

describeWithRedis('sweeps on a BullMQ queue (real Redis)', () => {
  let redis: RedisServer;
  let scratch: string;
  const procs: Proc[] = [];
  const worker = (queueName: string, ...extra: string[]): Proc => {
    const p = start(['worker', '--queue', redis.url, '--queue-name', queueName, '--lock-seconds', '1', ...extra]);
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    redis = await startRedis();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-queue-'));
  });
  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await redis?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('two worker processes, one killed with SIGKILL mid-run: every run completes exactly once, as on the local pool', async () => {
    // About half a second per run here, so the kill lands inside one.
    const spec: SweepSpec = { network: 'izhikevich2006', seconds: 10, params: { neurons: 5000 }, grid: { seed: [1, 2, 3, 4] } };
    const specFile = path.join(scratch, 'kill.json');
    fs.writeFileSync(specFile, JSON.stringify(spec));
    const doomed = worker('kill');
    const survivor = worker('kill');
    await Promise.all([doomed.waitFor(/serving queue/), survivor.waitFor(/serving queue/)]);
    const out = path.join(scratch, 'queued');
    const sweep = start(['sweep', specFile, '--queue', redis.url, '--queue-name', 'kill', '--out', out]);
    const [, killedRun] = await doomed.waitFor(/run ([0-9a-f]{16}) started/);
    doomed.child.kill('SIGKILL');
    expect(await sweep.exited).toBe(0);
    expect(sweep.log()).toMatch(/4 of 4 runs done, 0 failed/);

    const queued = readResults(out);
    expect(queued).toHaveLength(4);
    expect(new Set(queued.map((r) => r.id)).size).toBe(4);
    const retried = queued.find((r) => r.id === killedRun)!;
    expect(retried.attempts).toBeGreaterThanOrEqual(2);
    expect(survivor.log()).toContain(`run ${killedRun} started (attempt 2)`);
    expect(retried.worker).toBe(survivor.log().match(/^(\S+): serving/m)![1]);

    const local = await runSweep(spec, { out: path.join(scratch, 'local'), workers: 2 });
    expect(queued.map(outcome).sort(byId)).toEqual(local.results.map(outcome).sort(byId));
  }, 180_000);

  test('a job naming a builder the worker was not started with is failed at once, never retried, and the worker keeps serving', async () => {
    const plain = worker('doors');
    await plain.waitFor(/serving queue/);
    // A module that would leave a mark if anything loaded it.
    const marker = path.join(scratch, 'evil-ran');
    const evil = path.join(scratch, 'evil.js');
    fs.writeFileSync(evil, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); module.exports = { evil: () => null };`);

    // Sent past the submitter's checks, as anyone with access to the queue could.
    const [good] = expandSweep({ network: 'izhikevich2006', seconds: 1, params: { neurons: 200, seed: 3 } });
    const byPath = { ...good, network: evil };
    const queue = new Queue('doors', { connection: { host: '127.0.0.1', port: redis.port }, prefix: QUEUE_DEFAULTS.prefix });
    const job = await queue.add('raw', byPath, { jobId: 'raw-path', attempts: 3 });
    await plain.waitFor(/job raw-path failed/);
    const failed = (await queue.getJob(job.id!))!;
    expect(await failed.getState()).toBe('failed');
    expect(failed.failedReason).toContain(evil);
    expect(failed.attemptsMade).toBe(1);
    await queue.close();
    expect(fs.existsSync(marker)).toBe(false);

    // A well-formed run naming a builder this worker does not have: failed with the builder named, nothing run.
    const report = await runSweep({ network: 'chain', seconds: 1 }, { out: path.join(scratch, 'unknown'), queue: { url: redis.url, name: 'doors' } });
    expect(report).toMatchObject({ done: 0, failed: 1 });
    expect(report.failures[0].error).toMatch(/unknown network builder 'chain'/);
    expect(plain.log()).not.toMatch(/run [0-9a-f]{16} started/);

    // ...and it still serves; this run's id is all decimal digits, which BullMQ refuses as a bare job id.
    let seed = 0;
    while (!/^[0-9]+$/.test(expandSweep({ network: 'izhikevich2006', seconds: 1, params: { neurons: 200, seed } })[0].id)) seed++;
    const served = await runSweep({ network: 'izhikevich2006', seconds: 1, params: { neurons: 200, seed } }, {
      out: path.join(scratch, 'after'), queue: { url: redis.url, name: 'doors' },
    });
    expect(served).toMatchObject({ done: 1, failed: 0 });

    // A run whose network refuses its parameters fails at once too (a RangeError is the same on every try).
    const refused = await runSweep({ network: 'izhikevich2006', seconds: 1, params: { neurons: 100 } }, {
      out: path.join(scratch, 'refused'), queue: { url: redis.url, name: 'doors' },
    });
    expect(refused.failures[0].error).toMatch(/RangeError: synapsesPerNeuron must be an integer in \[0, 80\] \(got 100\)/);
    expect(JSON.parse(fs.readFileSync(path.join(scratch, 'refused', 'failures.jsonl'), 'utf8'))).toMatchObject({ attempts: 1 });
  }, 60_000);

  test('a user limited by the documented ACL runs a sweep; a wrong password or address fails at once, naming the reason', async () => {
    const admin = new Redis({ host: '127.0.0.1', port: redis.port });
    await admin.call('ACL', 'SETUSER', ...documentedAcl('s3cret'));
    await admin.call('ACL', 'SETUSER', 'stranger', 'on', '>other', '~elsewhere:*', '+@all');
    admin.disconnect();
    const url = `redis://${documentedAcl('s3cret')[0]}:s3cret@127.0.0.1:${redis.port}`;
    const served = start(['worker', '--queue', url, '--queue-name', 'acl', '--exit-when-idle', '5']);
    procs.push(served);
    await served.waitFor(/serving queue 'acl' at redis:\/\/sweeper:\*\*\*@/);
    const report = await runSweep({ network: 'izhikevich2006', seconds: 1, params: { neurons: 200 }, grid: { seed: [1, 2] } }, {
      out: path.join(scratch, 'acl'), queue: { url, name: 'acl' },
    });
    expect(report).toMatchObject({ done: 2, failed: 0 });
    const out = (name: string): string => path.join(scratch, name);
    await expect(runSweep({ network: 'izhikevich2006', seconds: 1 }, { out: out('wrong'), queue: url.replace('s3cret', 'wrong') }))
      .rejects.toThrow(/cannot use Redis at redis:\/\/sweeper:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS/);
    await expect(runSweep({ network: 'izhikevich2006', seconds: 1 }, { out: out('stranger'), queue: `redis://stranger:other@127.0.0.1:${redis.port}` }))
      .rejects.toThrow(/NOPERM/);
    await expect(runSweep({ network: 'izhikevich2006', seconds: 1 }, { out: out('nowhere'), queue: 'redis://127.0.0.1:1' }))
      .rejects.toThrow(/cannot use Redis at redis:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/);
    await expect(runSweep({ network: 'izhikevich2006', seconds: 1 }, { out: out('scheme'), queue: 'http://127.0.0.1:1' }))
      .rejects.toThrow(/queue URL must start with redis:\/\/ or rediss:\/\//);
    const refused = start(['worker', '--queue', url.replace('s3cret', 'wrong')]);
    expect(await refused.exited).toBe(1);
    expect(refused.log()).toMatch(/polychron worker: cannot use Redis at .*WRONGPASS/);
    expect(refused.log()).not.toContain('wrong@');
  }, 60_000);

  test('rediss:// (TLS) with the CA given: a worker and a sweep; without the CA the certificate is refused', async () => {
    const tls = await startRedis({ tls: true });
    try {
      const served = start(['worker', '--queue', tls.url, '--tls-ca', tls.ca!, '--exit-when-idle', '3']);
      procs.push(served);
      await served.waitFor(/serving queue/);
      const report = await runSweep({ network: 'izhikevich2006', seconds: 1, params: { neurons: 200, seed: 4 } }, {
        out: path.join(scratch, 'tls'), queue: { url: tls.url, tlsCa: tls.ca },
      });
      expect(report).toMatchObject({ done: 1, failed: 0 });
      await expect(runSweep({ network: 'izhikevich2006', seconds: 1 }, { out: path.join(scratch, 'tls-no-ca'), queue: tls.url }))
        .rejects.toThrow(/cannot use Redis at rediss:\/\/localhost:\d+: self[- ]signed certificate/);
      expect(await served.exited).toBe(0);
    } finally {
      await tls.stop();
    }
  }, 60_000);

  test('builders from the worker\'s own --builders module; kept files come back to the submitter\'s folder; --exit-when-idle', async () => {
    const withBuilders = worker('builders', '--builders', builders, '--exit-when-idle', '5');
    await withBuilders.waitFor(/serving queue/);
    const spec: SweepSpec = { network: 'chain', seconds: 1, grid: { current: [10, 20] }, keep: { spikes: true, checkpoint: true } };
    const queued = await runSweep(spec, { out: path.join(scratch, 'files-queued'), queue: { url: redis.url, name: 'builders' } });
    const local = await runSweep(spec, { out: path.join(scratch, 'files-local'), workers: 1, builders: [builders] });
    expect(queued).toMatchObject({ done: 2, failed: 0 });
    expect(queued.results.map(outcome)).toEqual(local.results.map(outcome));
    for (const r of queued.results) {
      for (const file of r.files!) {
        expect(fs.readFileSync(path.join(scratch, 'files-queued', file))).toEqual(fs.readFileSync(path.join(scratch, 'files-local', file)));
      }
    }
    // --exit-when-idle: once the queue has stayed empty 5 s, the worker stops by itself (a Kubernetes Job's pods end so).
    expect(await withBuilders.exited).toBe(0);
    expect(withBuilders.log()).toMatch(/the queue has been empty for 5 s; stopping/);
  }, 60_000);
});
