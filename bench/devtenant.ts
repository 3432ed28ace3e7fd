import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { mintToken, startDevtenant } from '../devtenant/index.js';
import { isMain, runAlone } from './lib/main.js';
import type { BenchResult } from './lib/results.js';

/**
 * Throughput of simple Graph GETs (`/me`, `/users/{id}`) against the devtenant. The devtenant runs alone in a child
 * process (one core, one event loop); this process drives 20,000 keep-alive requests, 16 in flight, over raw sockets.
 * Prints the figure and writes bench/results/devtenant.json; it asserts nothing (not part of the test run).
 */

const TOTAL = 20_000;
const WARMUP = 2_000;
const IN_FLIGHT = 16;
const TARGET = 5_000;
const ALEX = '10000000-0000-4000-8000-000000000001';
const MEGAN = '10000000-0000-4000-8000-000000000002';

/** Child mode: run the devtenant; answer each line on stdin with the CPU time used so far. */
async function serve(): Promise<void> {
  const running = await startDevtenant({ port: 0 });
  process.stdin.on('data', () => {
    const { user, system } = process.cpuUsage();
    console.log(`CPU ${user + system}`);
  });
  process.stdin.on('end', () => running.close().then(() => process.exit(0)));
  console.log(`READY ${running.url}`);
}

interface ServerProcess {
  url: string;
  /** CPU microseconds the devtenant process has used. */
  cpu(): Promise<number>;
  stop(): void;
}

function startServerProcess(): Promise<ServerProcess> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const waiters: Array<(micros: number) => void> = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (let m = /CPU (\d+)\n/.exec(out); m; m = /CPU (\d+)\n/.exec(out)) {
      out = out.replace(m[0], '');
      waiters.shift()?.(Number(m[1]));
    }
  });
  const cpu = () =>
    new Promise<number>((resolve) => {
      waiters.push(resolve);
      child.stdin.write('cpu\n');
    });
  return new Promise((resolve, reject) => {
    const ready = setInterval(() => {
      const m = /READY (\S+)/.exec(out);
      if (!m) return;
      clearInterval(ready);
      resolve({ url: m[1], cpu, stop: () => child.stdin.end() });
    }, 20);
    child.once('exit', (code) => {
      clearInterval(ready);
      reject(new Error(`devtenant child exited (${code}) before it was ready`));
    });
  });
}

/**
 * A lean keep-alive client (raw sockets, one request in flight per socket) so the measurement is about the server,
 * not about node:http's client. Responses are framed by Content-Length, which the devtenant always sends.
 */
function load(url: string, count: number): Promise<number> {
  const { hostname, port } = new URL(url);
  const token = mintToken({ oid: ALEX, tid: 'c0a70500-0000-4000-8000-000000000001' });
  const requests = ['/v1.0/me', `/v1.0/users/${MEGAN}`].map((path) =>
    Buffer.from(
      `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${token}\r\nConnection: keep-alive\r\n\r\n`,
    ),
  );
  let sent = 0;
  let done = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const finish = () => {
      if (done < count) return;
      if (failed > 0) reject(new Error(`${failed} requests did not answer 200`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    };
    for (let i = 0; i < IN_FLIGHT; i++) {
      const socket = net.connect(Number(port), hostname);
      let buffered: Buffer = Buffer.alloc(0);
      const next = () => {
        if (sent >= count) {
          socket.end();
          return;
        }
        socket.write(requests[sent++ % requests.length]);
      };
      socket.on('connect', next);
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
        for (;;) {
          const headerEnd = buffered.indexOf('\r\n\r\n');
          if (headerEnd < 0) return;
          const head = buffered.subarray(0, headerEnd).toString('latin1');
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
          if (buffered.length < headerEnd + 4 + length) return;
          if (!head.startsWith('HTTP/1.1 200')) failed++;
          buffered = buffered.subarray(headerEnd + 4 + length);
          done++;
          next();
          finish();
        }
      });
    }
  });
}

export async function run(): Promise<BenchResult> {
  const server = await startServerProcess();
  try {
    await load(server.url, WARMUP);
    const cpuBefore = await server.cpu();
    const seconds = await load(server.url, TOTAL);
    const cpuSeconds = ((await server.cpu()) - cpuBefore) / 1e6;
    return {
      name: 'devtenant',
      method: `${TOTAL} simple GETs (/me, /users/{id}), ${IN_FLIGHT} in flight over keep-alive sockets; devtenant alone in a child process (one event loop)`,
      figures: [
        {
          name: 'GETs per second',
          value: Math.round(TOTAL / seconds),
          unit: 'GET/s',
          target: { kind: 'min', value: TARGET },
        },
        { name: 'server CPU per GET', value: Math.round((cpuSeconds / TOTAL) * 1e6), unit: 'µs' },
        { name: 'GETs per fully busy core', value: Math.round(TOTAL / cpuSeconds), unit: 'GET/s' },
      ],
      details: { requests: TOTAL, inFlight: IN_FLIGHT, seconds, serverCpuSeconds: cpuSeconds },
    };
  } finally {
    server.stop();
  }
}

if (process.argv.includes('--serve')) {
  serve().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
} else if (isMain(import.meta.url)) {
  runAlone(run);
}
