import { createServer } from 'node:http';
import { FIXED_CARDS_JSON, portFromEnv } from './fixed-cards';

/**
 * Baseline (a): the floor for this work on this machine. node:http reads the whole body,
 * JSON.parses it and returns fixed cards. Any GET answers 200 so the harness can poll readiness.
 */
const LIMIT = 5 * 1024 * 1024;

const server = createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= LIMIT) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > LIMIT) {
      res.writeHead(413, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    if (typeof body !== 'object' || body === null) {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(FIXED_CARDS_JSON) }).end(FIXED_CARDS_JSON);
  });
});

server.listen(portFromEnv(), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
