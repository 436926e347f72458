/**
 * A real Redis server for the queue tests: Debian's redis-server on a free loopback port,
 * persisting nothing, stopped when the tests end. .ci/run installs it and requires it;
 * elsewhere, without it, the tests are skipped with a message.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const REDIS_SERVER = 'redis-server';

export function redisServerAvailable(): boolean {
  return spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' }).status === 0;
}

/**
 * `describe` when redis-server is installed; otherwise skipped under a name that says why,
 * except where POLYCHRON_REQUIRE_REDIS is set (.ci/run sets it): there a missing server fails.
 */
export function describeWithRedis(name: string, body: () => void): void {
  if (redisServerAvailable()) {
    describe(name, body);
  } else if (process.env.POLYCHRON_REQUIRE_REDIS !== undefined) {
    describe(name, () => {
      test('redis-server is installed', () => {
        throw new Error('redis-server is not installed, and POLYCHRON_REQUIRE_REDIS says these tests must run (apt-get install redis-server)');
      });
    });
  } else {
    console.warn(`${name}: redis-server is not installed (apt-get install redis-server; .ci/run does), so these tests are skipped`);
    describe.skip(`${name} (skipped: redis-server is not installed)`, body);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  /** redis://127.0.0.1:PORT, or rediss://localhost:PORT with TLS. */
  url: string;
  port: number;
  /** With TLS: the certificate authority that signed the server's certificate (PEM file). */
  ca?: string;
  stop(): Promise<void>;
}

function openssl(args: string[], cwd: string): void {
  const run = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr}`);
}

/** A throwaway CA and a certificate for localhost signed by it, in `folder`. */
function makeCertificates(folder: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=polychron test CA'], folder);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], folder);
  fs.writeFileSync(path.join(folder, 'san.cnf'), 'subjectAltName=DNS:localhost\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.cnf'], folder);
}

/** Starts redis-server (with `tls`, TLS only, on a certificate of a throwaway CA) and resolves once it accepts connections. */
export async function startRedis(options: { tls?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const certificates = options.tls === true ? fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-redis-tls-')) : undefined;
  if (certificates !== undefined) makeCertificates(certificates);
  const listen = certificates === undefined ? ['--port', String(port)] : [
    '--port', '0', '--tls-port', String(port), '--tls-auth-clients', 'no',
    '--tls-cert-file', path.join(certificates, 'server.crt'), '--tls-key-file', path.join(certificates, 'server.key'),
    '--tls-ca-cert-file', path.join(certificates, 'ca.crt'),
  ];
  const child: ChildProcess = spawn(REDIS_SERVER, [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    url: certificates === undefined ? `redis://127.0.0.1:${port}` : `rediss://localhost:${port}`,
    port,
    ...(certificates !== undefined && { ca: path.join(certificates, 'ca.crt') }),
    stop: () => new Promise<void>((resolve) => {
      const done = (): void => {
        if (certificates !== undefined) fs.rmSync(certificates, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null) return done();
      child.on('exit', done);
      child.kill('SIGTERM');
    }),
  };
}
