import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface AzuriteHandle {
  connectionString: string;
  port: number;
  close(): Promise<void>;
}

const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const AZURITE_BLOB_MAIN = resolve(import.meta.dirname, '../../node_modules/azurite/dist/src/blob/main.js');
const READY_TIMEOUT_MS = 15_000;

export function azuriteConnectionString(port: number, account?: AzuriteAccount): string {
  const name = account?.name ?? 'devstoreaccount1';
  return (
    `DefaultEndpointsProtocol=http;AccountName=${name};` +
    `AccountKey=${account?.key ?? ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${port}/${name};`
  );
}

/** A storage account of the test's own (Azurite's AZURITE_ACCOUNTS), e.g. a key that is a canary. Key: base64. */
export interface AzuriteAccount {
  name: string;
  key: string;
}

/**
 * Starts an in-memory Azurite blob service on a free loopback port; close() kills exactly that process.
 * The temp folder is only its cwd (Azurite refuses --location together with --inMemoryPersistence).
 */
export async function startAzurite(opts: { account?: AzuriteAccount } = {}): Promise<AzuriteHandle> {
  const workDir = await mkdtemp(join(tmpdir(), 'azurite-'));
  const port = await findFreePort();
  const child = spawn(
    process.execPath,
    [
      AZURITE_BLOB_MAIN,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--loose',
      '--disableTelemetry',
      '--silent',
    ],
    {
      cwd: workDir,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: opts.account
        ? { ...process.env, AZURITE_ACCOUNTS: `${opts.account.name}:${opts.account.key}` }
        : process.env,
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const close = async () => {
    await killAndWait(child);
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    await waitUntilListening(port, child, () => stderr);
  } catch (error) {
    await close();
    throw error;
  }
  return { connectionString: azuriteConnectionString(port, opts.account), port, close };
}

/** A loopback port that was free a moment ago (for servers that need a port on the command line). */
export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitUntilListening(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`Azurite exited with code ${child.exitCode} before listening: ${stderr()}`);
    }
    if (await portAnswers(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Azurite did not listen on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms: ${stderr()}`);
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolveAnswer(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolveAnswer(false);
    });
    socket.connect(port, '127.0.0.1');
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveExit) => {
    const forceKill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(forceKill);
      resolveExit();
    });
    child.kill('SIGTERM');
  });
}
