import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type KeyLike } from 'jose';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';
import { loadClients, type RegisteredClient } from '../../src/security/clients';
import { createSecurity, type SecurityOptions } from '../../src/security';
import { CASES_NOW, logSink, readJson, ROOT, testApp } from '../helpers';

/** Where the service under test says it lives; every expected `aud` is built from it. */
export const PUBLIC_URL = 'https://cds.test.example';
export const SERVICE_URL = `${PUBLIC_URL}/cds-services/hypomagnesemia`;
export const DISCOVERY_URL = `${PUBLIC_URL}/cds-services`;
export const FEEDBACK_URL = `${SERVICE_URL}/feedback`;

export const SANDBOX_ISS = 'https://sandbox.cds-hooks.org';
export const SANDBOX_KID = '44823f3d-0b01-4a6c-a80e-b9d3e8a7226f';
export const SANDBOX_JKU = 'https://sandbox.cds-hooks.org/.well-known/jwks.json';
export const DEVELOPMENT_PROFILE = join(ROOT, 'config', 'clients', 'development.json');

export const EPIC_ISS = 'https://fhir.epic.test/api/FHIR/R4';
export const EPIC_AUDIENCE = 'https://cds.example.org/hooks/hypomagnesemia';
export const EPIC_FHIR = 'https://fhir.epic.test/api/FHIR/R4';

export const nowSeconds = () => Math.floor(CASES_NOW.getTime() / 1000);

/** The sandbox's published test private key (public material from its repository). */
export async function sandboxPrivateKey(): Promise<KeyLike> {
  const { _about: _unused, ...jwk } = readJson<JWK & { _about: string }>(ROOT, 'test', 'fixtures', 'security', 'sandbox-private-jwk.json');
  return (await importJWK(jwk, 'ES384')) as KeyLike;
}

export interface KeyPair {
  kid: string;
  alg: string;
  privateKey: KeyLike;
  publicJwk: JWK;
}

export async function newKeyPair(alg: 'RS384' | 'RS256' | 'ES256' | 'ES384', kid = randomUUID()): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export interface MintOptions {
  key: KeyLike;
  alg?: string;
  kid?: string;
  jku?: string;
  typ?: string;
  iss?: string;
  aud?: string | string[];
  iat?: number;
  exp?: number;
  nbf?: number;
  jti?: string;
  extra?: Record<string, unknown>;
  omit?: string[];
}

/** A client JWT as an EHR would send it; defaults are a valid sandbox token for the service URL. */
export async function mint(options: MintOptions): Promise<string> {
  const iat = options.iat ?? nowSeconds();
  const claims: Record<string, unknown> = {
    iss: options.iss ?? SANDBOX_ISS,
    aud: options.aud ?? SERVICE_URL,
    exp: options.exp ?? iat + 300,
    iat,
    jti: options.jti ?? randomUUID(),
    ...(options.nbf !== undefined ? { nbf: options.nbf } : {}),
    ...options.extra,
  };
  for (const name of options.omit ?? []) delete claims[name];
  const header: Record<string, unknown> = { alg: options.alg ?? 'ES384', typ: options.typ ?? 'JWT', kid: options.kid ?? SANDBOX_KID };
  if (options.jku !== undefined) header.jku = options.jku;
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(options.key);
}

/** A JSON Web Key Set server on loopback that counts its downloads; its keys can be swapped. */
export async function jwksServer(keys: JWK[]): Promise<{ url: string; hits: () => number; setKeys: (k: JWK[]) => void; close: () => Promise<void> }> {
  let current = keys;
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: current }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    hits: () => hits,
    setKeys: (k) => {
      current = k;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A client with its own key set inline (no key server), e.g. a second EHR in a test. */
export function inlineClient(iss: string, key: KeyPair, fhirServers: string[] = []): RegisteredClient {
  return { iss, jwks: { keys: [key.publicJwk as JWK & { kid: string }] } as RegisteredClient['jwks'], jwksUrl: undefined, jku: [], audiences: [], fhirServers };
}

/** The development (sandbox) profile plus an Epic-style client whose keys sit behind a jku URL. */
export function registeredClients(epicJku: string): RegisteredClient[] {
  const sandbox = loadClients(DEVELOPMENT_PROFILE, { production: false });
  return [
    ...sandbox,
    { iss: EPIC_ISS, jwks: undefined, jwksUrl: undefined, jku: [epicJku], audiences: [EPIC_AUDIENCE], fhirServers: [EPIC_FHIR] },
  ];
}

/** The app with client authentication required, at CASES_NOW, for the given clients. */
export function securedApp(clients: RegisteredClient[], env: Record<string, string> = {}, options: SecurityOptions = {}) {
  const fullEnv = { CDS_AUTH: 'required', CDS_CLIENTS_FILE: DEVELOPMENT_PROFILE, CDS_PUBLIC_URL: PUBLIC_URL, ...env };
  const config = loadConfig({ NODE_ENV: 'test', ...fullEnv });
  const securityLog = logSink();
  const { replayStore, ...hooks } = createSecurity(config, createLogger('info', securityLog.stream), { clients, now: () => CASES_NOW.getTime(), ...options });
  return { ...testApp({ env: fullEnv, ...hooks }), securityLog, replayStore: replayStore! };
}
