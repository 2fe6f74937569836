import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';
import { createSecurity } from '../../src/security';
import { loadClients } from '../../src/security/clients';
import { logSink, ROOT } from '../helpers';
import { DEVELOPMENT_PROFILE, SANDBOX_ISS, SANDBOX_KID } from './tokens';

const EXAMPLE_PROFILE = join(ROOT, 'config', 'clients', 'example-ehr.yaml');
const dir = mkdtempSync(join(tmpdir(), 'cds-clients-'));
const writeClients = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

function configProblems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('CDS_AUTH and CDS_CLIENTS_FILE', () => {
  it('is off by default outside production (npm start works with no env vars)', () => {
    expect(loadConfig({}).auth).toEqual({ required: false, clientsFile: undefined, maxTokenLifetimeSeconds: 300, replayMaxPerIssuer: 100_000 });
    expect(loadConfig({ NODE_ENV: 'test' }).auth.required).toBe(false);
  });

  it('is required by default in production, and then needs a clients file', () => {
    expect(configProblems(() => loadConfig({ NODE_ENV: 'production' }))).toEqual([expect.stringMatching(/^CDS_CLIENTS_FILE: required/)]);
    expect(loadConfig({ NODE_ENV: 'production', CDS_CLIENTS_FILE: EXAMPLE_PROFILE }).auth).toMatchObject({ required: true, clientsFile: EXAMPLE_PROFILE });
  });

  it('can be required in development and switched off explicitly', () => {
    expect(loadConfig({ CDS_AUTH: 'required', CDS_CLIENTS_FILE: DEVELOPMENT_PROFILE }).auth.required).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', CDS_AUTH: 'off' }).auth.required).toBe(false);
  });

  it('refuses an unknown CDS_AUTH value', () => {
    expect(configProblems(() => loadConfig({ CDS_AUTH: 'maybe' }))).toEqual([expect.stringMatching(/^CDS_AUTH:/)]);
  });

  it('warns loudly at start-up when authentication is off', () => {
    const sink = logSink();
    const security = createSecurity(loadConfig({}), createLogger('info', sink.stream));
    expect(security).toEqual({});
    const line = JSON.parse(sink.lines[0]!);
    expect(line.level).toBe(40);
    expect(line.msg).toMatch(/CLIENT AUTHENTICATION IS OFF/);
  });

  it('with authentication required, builds both hooks from the clients file', () => {
    const sink = logSink();
    const config = loadConfig({ CDS_AUTH: 'required', CDS_CLIENTS_FILE: DEVELOPMENT_PROFILE });
    const security = createSecurity(config, createLogger('info', sink.stream));
    expect(typeof security.authenticate).toBe('function');
    expect(typeof security.fhirServerPolicy).toBe('function');
    expect(JSON.parse(sink.lines[0]!).clients).toEqual([SANDBOX_ISS]);
  });
});

describe('clients file', () => {
  it('the shipped development profile trusts the sandbox with its published ES384 key', () => {
    const [sandbox, ...others] = loadClients(DEVELOPMENT_PROFILE, { production: false });
    expect(others).toEqual([]);
    expect(sandbox!.iss).toBe(SANDBOX_ISS);
    expect(sandbox!.jwks?.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-384', kid: SANDBOX_KID, alg: 'ES384' })]);
    expect(sandbox!.jwks?.keys[0]).not.toHaveProperty('d');
    expect(sandbox!.jku).toEqual(['https://sandbox.cds-hooks.org/.well-known/jwks.json']);
  });

  it('production refuses the development profile', () => {
    const problems = configProblems(() => loadClients(DEVELOPMENT_PROFILE, { production: true }));
    expect(problems.join('\n')).toMatch(/developmentOnly/);
    expect(problems.join('\n')).toMatch(/sandbox is not trusted in production/);
  });

  it('production refuses the sandbox issuer even in a file not marked developmentOnly', () => {
    const path = writeClients('sneaky.json', { clients: [{ iss: SANDBOX_ISS, jwks: join(ROOT, 'config', 'clients', 'sandbox-jwks.json') }] });
    expect(configProblems(() => loadClients(path, { production: true })).join('\n')).toMatch(/sandbox is not trusted/);
    expect(loadClients(path, { production: false })[0]!.jwks?.keys).toHaveLength(1);
  });

  it('reads the YAML example and accepts it in production', () => {
    const clients = loadClients(EXAMPLE_PROFILE, { production: true });
    expect(clients.map((c) => c.iss)).toEqual(['https://fhir.example-health.org/api/FHIR/R4', 'https://ehr.example.net']);
    expect(clients[1]!.jwksUrl).toBe('https://ehr.example.net/.well-known/jwks.json');
    expect(clients[0]!.fhirServers).toEqual(['https://fhir.example-health.org/api/FHIR/R4']);
  });

  it('reports every problem at once', () => {
    const path = writeClients('bad.json', {
      clients: [
        { iss: 'https://a.example' },
        { iss: 'https://b.example', jwks: { keys: [{ kty: 'EC', kid: 'k1', crv: 'P-384', x: 'x', y: 'y', d: 'secret' }] } },
        { iss: 'https://c.example', jwksUrl: 'ftp://c.example/keys' },
        { iss: 'https://d.example', jwksUrl: 'https://d.example/jwks', unexpected: true },
      ],
    });
    const problems = configProblems(() => loadClients(path, { production: false }));
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/clients\.0.*needs "jwks", "jwksUrl" or at least one "jku"/);
    expect(problems[1]).toMatch(/clients\.1\.jwks.*private key/);
    expect(problems[2]).toMatch(/clients\.2\.jwksUrl/);
    expect(problems[3]).toMatch(/clients\.3.*unexpected/);
  });

  it('refuses duplicate issuers, unreadable key files and http URLs in production', () => {
    const path = writeClients('dup.yaml', [
      'clients:',
      '  - iss: https://a.example',
      '    jwksUrl: http://a.example/jwks',
      '    fhirServers: [http://a.example/fhir]',
      '  - iss: https://a.example',
      '    jwks: does-not-exist.json',
    ].join('\n'));
    const problems = configProblems(() => loadClients(path, { production: true })).join('\n');
    expect(problems).toMatch(/registered twice/);
    expect(problems).toMatch(/cannot read .*does-not-exist\.json/);
    expect(problems).toMatch(/http:\/\/a\.example\/jwks must be https/);
    expect(problems).toMatch(/http:\/\/a\.example\/fhir must be https/);
  });

  it('reports a file that is not there or not parseable', () => {
    expect(configProblems(() => loadClients(join(dir, 'missing.json'), { production: false }))[0]).toMatch(/cannot be read/);
    const broken = writeClients('broken.json', '{"clients": [');
    expect(configProblems(() => loadClients(broken, { production: false }))[0]).toMatch(/cannot be read/);
  });
});
