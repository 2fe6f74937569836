import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../service-process';

/**
 * A throwaway PostgreSQL cluster for the tests: initdb into a temp dir, pg_ctl start on a free
 * loopback port, one database. Uses TEST_DATABASE_URL instead when it is set (an existing server:
 * each test run then gets a fresh database created on it). There is no skipping: without
 * PostgreSQL the tests fail with the message below.
 */

export const POSTGRES_MISSING = [
  'PostgreSQL is required by the feedback-store tests and was not found.',
  'Install it (Debian/Ubuntu: apt-get install -y postgresql; .ci/run does this) so that initdb and',
  'pg_ctl exist under /usr/lib/postgresql/<version>/bin or on PATH, or set TEST_DATABASE_URL to a',
  'server where the test user may CREATE DATABASE.',
].join('\n');

export interface PostgresHandle {
  url: string;
  /** Stops the server as a crash would (no checkpoint), then starts it again. */
  crashAndRestart(): void;
  /** Stops the server (the store's database is then "down"). */
  stop(): void;
  start(): void;
  destroy(): Promise<void>;
}

function findBinDir(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(':').find((dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (onPath) return onPath;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

export async function startPostgres(): Promise<PostgresHandle> {
  const dbName = `cds_test_${process.pid}_${Date.now().toString(36)}`;
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    await createDatabase(external, dbName);
    const url = new URL(external);
    url.pathname = `/${dbName}`;
    const unsupported = () => {
      throw new Error('crash/stop/start need the throwaway cluster; unset TEST_DATABASE_URL');
    };
    return {
      url: url.toString(),
      crashAndRestart: unsupported,
      stop: unsupported,
      start: unsupported,
      destroy: async () => undefined,
    };
  }

  const bin = findBinDir();
  if (!bin) throw new Error(POSTGRES_MISSING);
  const isRoot = process.getuid?.() === 0;
  // initdb refuses to run as root: run the cluster as the postgres system user then.
  const run = (command: string, args: string[]) => {
    const argv = isRoot ? ['-u', 'postgres', '--', join(bin, command), ...args] : args;
    execFileSync(isRoot ? 'runuser' : join(bin, command), argv, { stdio: 'pipe', timeout: 60_000 });
  };
  const dir = mkdtempSync(join(tmpdir(), 'cds-pg-'));
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on`;
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  const stopWith = (mode: 'fast' | 'immediate') => run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  start();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await createDatabase(adminUrl, dbName);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${dbName}`,
    crashAndRestart() {
      stopWith('immediate');
      start();
    },
    stop: () => stopWith('fast'),
    start,
    async destroy() {
      try {
        stopWith('immediate');
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
