import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import type { JSONWebKeySet } from 'jose';
import { ConfigError, describeIssues } from '../config';

/**
 * The registered CDS clients (EHRs): who may call, with which keys, for which audiences, and which
 * FHIR servers the service may call back for them. Read once at start-up; every problem is
 * reported at once.
 */

/** The public CDS Hooks sandbox: trusted only by the development profile. */
export const SANDBOX_ISSUER = 'https://sandbox.cds-hooks.org';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });

const jwkSchema = z.looseObject({ kty: z.enum(['EC', 'RSA']), kid: z.string().min(1) }).refine((k) => !('d' in k), {
  error: 'must be a public key (a private key "d" member was found)',
});
const jwkSetSchema = z.looseObject({ keys: z.array(jwkSchema).min(1) });

const clientSchema = z
  .strictObject({
    /** Exact `iss` claim of the client's tokens. */
    iss: z.string().min(1),
    /** Inline JWK Set, or a path to a JWK Set file relative to the clients file. */
    jwks: z.union([jwkSetSchema, z.string().min(1)]).optional(),
    /** Where the client publishes its JWK Set (fetched, cached, refreshed on an unknown kid). */
    jwksUrl: httpUrl.optional(),
    /** `jku` header values accepted from this client; any other `jku` is refused. */
    jku: z.array(httpUrl).default([]),
    /** Extra accepted `aud` values (as typed into the EHR), beside this service's own endpoint URLs. */
    audiences: z.array(httpUrl).default([]),
    /** FHIR server bases the service may call back for this client (exact base, no trailing slash needed). */
    fhirServers: z.array(httpUrl).default([]),
    /** Free text for operators. */
    description: z.string().optional(),
  })
  .refine((c) => c.jwks !== undefined || c.jwksUrl !== undefined || c.jku.length > 0, {
    error: 'needs "jwks", "jwksUrl" or at least one "jku" to find its keys',
  });

export const clientsFileSchema = z.strictObject({
  /** Marks a file meant for development only (the sandbox profile); production refuses it. */
  developmentOnly: z.boolean().default(false),
  description: z.string().optional(),
  clients: z.array(clientSchema).min(1),
});

export type ClientsFile = z.infer<typeof clientsFileSchema>;

/** A client ready for verification: its JWK Set file read, its URLs normalised. */
export interface RegisteredClient {
  iss: string;
  jwks: JSONWebKeySet | undefined;
  jwksUrl: string | undefined;
  jku: string[];
  audiences: string[];
  fhirServers: string[];
}

/** Normalises a base URL for comparison: parsed, no trailing slash, no fragment. */
export function normaliseBase(url: string): string | undefined {
  try {
    const u = new URL(url);
    u.hash = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

function parseFile(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  return extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
}

/**
 * Reads and validates a clients file. `production` refuses development-only files, the sandbox
 * issuer, and plain-http FHIR servers or key URLs.
 */
export function loadClients(path: string, options: { production: boolean }): RegisteredClient[] {
  let raw: unknown;
  try {
    raw = parseFile(path);
  } catch (error) {
    throw new ConfigError([`CDS_CLIENTS_FILE ${path}: cannot be read (${(error as Error).message})`]);
  }
  const parsed = clientsFileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error).map((p) => `CDS_CLIENTS_FILE ${path}: ${p}`));

  const problems: string[] = [];
  const file = parsed.data;
  if (options.production && file.developmentOnly) problems.push('is marked developmentOnly; production refuses it');
  const seen = new Set<string>();
  const clients = file.clients.map((client, i): RegisteredClient => {
    const where = `clients.${i}`;
    if (seen.has(client.iss)) problems.push(`${where}.iss: "${client.iss}" is registered twice`);
    seen.add(client.iss);
    if (options.production) {
      if (client.iss === SANDBOX_ISSUER) problems.push(`${where}.iss: the public sandbox is not trusted in production`);
      const urls = [...(client.jwksUrl ? [client.jwksUrl] : []), ...client.jku, ...client.fhirServers];
      for (const url of urls) if (!url.startsWith('https://')) problems.push(`${where}: ${url} must be https in production`);
    }
    let jwks: JSONWebKeySet | undefined;
    if (typeof client.jwks === 'string') {
      const jwksPath = resolve(dirname(path), client.jwks);
      try {
        const keySet = jwkSetSchema.safeParse(parseFile(jwksPath));
        if (keySet.success) jwks = keySet.data as unknown as JSONWebKeySet;
        else problems.push(...describeIssues(keySet.error).map((p) => `${where}.jwks (${jwksPath}): ${p}`));
      } catch (error) {
        problems.push(`${where}.jwks: cannot read ${jwksPath} (${(error as Error).message})`);
      }
    } else if (client.jwks) {
      jwks = client.jwks as unknown as JSONWebKeySet;
    }
    return {
      iss: client.iss,
      jwks,
      jwksUrl: client.jwksUrl,
      jku: client.jku,
      audiences: client.audiences,
      fhirServers: client.fhirServers.map((s) => normaliseBase(s)!),
    };
  });
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `CDS_CLIENTS_FILE ${path}: ${p}`));
  return clients;
}
