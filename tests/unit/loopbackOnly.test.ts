import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startPlayground } from '../../scripts/playground.js';

/**
 * The Agents Playground calls `listen(port)` with no address (every interface) and has no setting for it;
 * scripts/playground.ts starts it with scripts/loopbackOnly.cjs preloaded. Each way of calling listen without a host
 * must end on 127.0.0.1; a host the caller names is kept.
 */
const PRELOAD = join(import.meta.dirname, '..', '..', 'scripts', 'loopbackOnly.cjs');

function addressOf(listenCall: string): string {
  const script = `
    const http = require('node:http');
    const server = http.createServer();
    const done = () => { const a = server.address(); process.stdout.write(a.address); server.close(); };
    ${listenCall};
    server.on('listening', done);
  `;
  return execFileSync(process.execPath, ['--require', PRELOAD, '-e', script], { encoding: 'utf8', timeout: 10_000 });
}

describe('the Playground preload keeps its servers on loopback', () => {
  it.each([
    ['listen(port)', 'server.listen(0)'],
    ['listen(port, callback)', 'server.listen(0, () => {})'],
    ['listen("port")', "server.listen('0')"],
    ['listen({ port })', 'server.listen({ port: 0 })'],
    ['listen()', 'server.listen()'],
  ])('%s listens on 127.0.0.1', (_name, call) => {
    expect(addressOf(call)).toBe('127.0.0.1');
  });

  it('keeps a host the caller names', () => {
    expect(addressOf("server.listen(0, '::1')")).toBe('::1');
    expect(addressOf("server.listen({ port: 0, host: '::1' })")).toBe('::1');
  });

  // Linux lists listening sockets in /proc/net/tcp{,6}: local address (hex, little-endian for IPv4), port, state 0A.
  it('the Agents Playground that npm start runs listens on 127.0.0.1 only', async () => {
    const port = await freePort();
    const playground = await startPlayground({ botEndpoint: 'http://127.0.0.1:9/api/messages', port });
    try {
      const listening = listeningAddresses(port);
      expect(listening.length).toBeGreaterThan(0);
      expect(listening).toEqual(listening.map(() => '127.0.0.1'));
    } finally {
      await playground.stop();
    }
  }, 30_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[3] === '0A' && cols[1]?.endsWith(`:${hexPort}`))
      .map((cols) => addressText(cols[1].split(':')[0])),
  );
}

function addressText(hex: string): string {
  if (hex.length === 8)
    return (hex.match(/../g) ?? [])
      .reverse()
      .map((b) => Number.parseInt(b, 16))
      .join('.');
  return hex === '00000000000000000000000000000000' ? '::' : `ipv6:${hex}`;
}
