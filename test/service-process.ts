import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Helpers for tests that run the real service (src/server.ts) or a server of their own in another process. */

const ROOT = join(__dirname, '..');

/** A free TCP port on 127.0.0.1 (for servers that cannot listen on port 0 themselves). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningService {
  child: ChildProcess;
  /** http://127.0.0.1:<port> as the service printed it. */
  base: string;
  /** Everything the process wrote so far (stdout and stderr). */
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts src/server.ts on a free port with only PATH and `env`; resolves once it prints its discovery URL. */
export function startService(env: Record<string, string>, logLevel = 'info'): Promise<RunningService> {
  const child = spawn(process.execPath, ['-r', join(ROOT, 'test', 'fixtures', 'ts-register.js'), join(ROOT, 'src', 'server.ts')], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: logLevel, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += String(chunk);
      const match = /Discovery: (http:\/\/[^\s]+)\/cds-services/.exec(out);
      if (match) resolve({ child, base: match[1]!, output: () => out, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`service exited (${code}) before listening:\n${out}`)));
  });
}
