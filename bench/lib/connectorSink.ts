import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The Bot Connector as the bots under test see it (their `serviceUrl`): answers every send, update and create at once
 * with 200 and an id, and counts what it received. Both the echo bot and the Access Bot reply here.
 */
export interface ConnectorSink {
  /** http://127.0.0.1:PORT/ (trailing slash, like Teams' serviceUrl). */
  url: string;
  received(): number;
  close(): Promise<void>;
}

export async function startConnectorSink(): Promise<ConnectorSink> {
  let received = 0;
  let nextId = 1;
  const server = http.createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      received++;
      const body = JSON.stringify({ id: `sink-${nextId++}` });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
