import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import type { RegisteredClient } from './clients';
import { JwksCache } from './jwks';
import { MemoryReplayStore, type ReplayStore } from './replay';

/**
 * CDS client JWT verification (CDS Hooks 2.0 § Trusting CDS Clients; CH-47..CH-52).
 * Asymmetric algorithms only; `iss` must be a registered client; the key comes from that client's
 * inline JWK Set, its `jwksUrl`, or the token's `jku` when the client lists it; `aud` must be the
 * endpoint called or one of the client's audiences; time claims with 60 s skew; `jti` used once.
 */

/** ES384/RS384 are RECOMMENDED by the spec; ES256/RS256 are accepted for EHRs that use them. */
export const ACCEPTED_ALGORITHMS = ['ES384', 'RS384', 'ES256', 'RS256'] as const;
export const CLOCK_SKEW_SECONDS = 60;
/**
 * Default longest accepted token lifetime (exp − iat), clock skew on top. CDS Hooks asks for
 * short-lived tokens (the sandbox's live 5 minutes); the cap also bounds how long a jti is
 * remembered: at most lifetime + 2 × skew after the call.
 */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 300;
export const DEFAULT_REPLAY_MAX_PER_ISSUER = 100_000;

/** Why a token was refused: logged for operators, never sent to the caller. */
export type AuthFailure =
  | 'no-token'
  | 'malformed'
  | 'alg'
  | 'typ'
  | 'kid'
  | 'iss'
  | 'jku'
  | 'unknown-kid'
  | 'signature'
  | 'aud'
  | 'exp'
  | 'nbf'
  | 'iat'
  | 'claims'
  | 'lifetime'
  | 'replay'
  /** The issuer's own replay set is full of unexpired jtis. */
  | 'replay-full';

export class AuthError extends Error {
  constructor(readonly reason: AuthFailure) {
    super(`client token refused: ${reason}`);
    this.name = 'AuthError';
  }
}

export interface VerifiedClient {
  client: RegisteredClient;
  jti: string;
}

export interface VerifierOptions {
  jwksCache?: JwksCache;
  replayStore?: ReplayStore;
  /** Longest accepted exp − iat in seconds (clock skew on top). */
  maxTokenLifetimeSeconds?: number;
  now?: () => number;
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export class ClientTokenVerifier {
  private readonly byIssuer: Map<string, RegisteredClient>;
  private readonly jwksCache: JwksCache;
  private readonly replay: ReplayStore;
  private readonly maxLifetime: number;
  private readonly now: () => number;
  /** Imported keys are kept per key set, so a set's keys are imported once. */
  private readonly localSets = new WeakMap<JSONWebKeySet, JWTVerifyGetKey>();

  constructor(clients: RegisteredClient[], options: VerifierOptions = {}) {
    this.byIssuer = new Map(clients.map((c) => [c.iss, c]));
    this.jwksCache = options.jwksCache ?? new JwksCache();
    this.now = options.now ?? Date.now;
    this.maxLifetime = (options.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS) + CLOCK_SKEW_SECONDS;
    this.replay = options.replayStore ?? new MemoryReplayStore({ maxPerIssuer: DEFAULT_REPLAY_MAX_PER_ISSUER, now: this.now });
  }

  /**
   * Verifies `token` for the endpoint at `endpointUrl`; throws AuthError on any failure, and
   * ReplayStoreUnavailableError when the replay check cannot be made.
   */
  async verify(token: string, endpointUrl: string): Promise<VerifiedClient> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch {
      throw new AuthError('malformed');
    }
    // Refused before any key is looked at: `none`, every HS* and anything unexpected (alg confusion).
    if (typeof header.alg !== 'string' || !(ACCEPTED_ALGORITHMS as readonly string[]).includes(header.alg)) throw new AuthError('alg');
    if (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT') throw new AuthError('typ');
    if (typeof header.kid !== 'string' || header.kid === '') throw new AuthError('kid');
    const client = typeof claims.iss === 'string' ? this.byIssuer.get(claims.iss) : undefined;
    if (!client) throw new AuthError('iss');
    if (header.jku !== undefined && !client.jku.includes(header.jku)) throw new AuthError('jku');

    const audiences = [endpointUrl, ...client.audiences];
    // Cheap checks on the unverified claims first, so junk tokens never cause a key download.
    const tokenAud = typeof claims.aud === 'string' ? [claims.aud] : isStringArray(claims.aud) ? claims.aud : [];
    if (!tokenAud.some((a) => audiences.includes(a))) throw new AuthError('aud');
    const nowSeconds = Math.floor(this.now() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds - CLOCK_SKEW_SECONDS) throw new AuthError('exp');
    if (typeof claims.iat !== 'number' || typeof claims.jti !== 'string' || claims.jti === '') throw new AuthError('claims');
    if (claims.exp - claims.iat > this.maxLifetime) throw new AuthError('lifetime');

    const keySet = await this.keySetFor(client, header.kid, header.jku);
    if (!keySet) throw new AuthError('unknown-kid');

    try {
      await jwtVerify(token, this.localKeys(keySet), {
        algorithms: [...ACCEPTED_ALGORITHMS],
        issuer: client.iss,
        audience: audiences,
        clockTolerance: CLOCK_SKEW_SECONDS,
        maxTokenAge: this.maxLifetime,
        requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
        currentDate: new Date(this.now()),
      });
    } catch (error) {
      throw new AuthError(reasonOf(error));
    }

    const claimed = await this.replay.claim(client.iss, claims.jti, (claims.exp + CLOCK_SKEW_SECONDS) * 1000);
    if (claimed === 'replay') throw new AuthError('replay');
    if (claimed === 'full') throw new AuthError('replay-full');
    return { client, jti: claims.jti };
  }

  /**
   * The key set holding `kid`: the client's inline set first (so an allowlisted `jku` works
   * offline when its keys are also configured), then the `jku` or `jwksUrl` set, refreshed once
   * (rate-limited) when the `kid` is unknown.
   */
  private async keySetFor(client: RegisteredClient, kid: string, jku: string | undefined): Promise<JSONWebKeySet | undefined> {
    const hasKid = (set: JSONWebKeySet | undefined) => set?.keys.some((k) => k.kid === kid) ?? false;
    if (hasKid(client.jwks)) return client.jwks;
    const url = jku ?? client.jwksUrl;
    if (!url) return undefined;
    const cached = await this.jwksCache.get(url);
    if (hasKid(cached)) return cached;
    const refreshed = await this.jwksCache.refresh(url);
    return hasKid(refreshed) ? refreshed : undefined;
  }

  private localKeys(keySet: JSONWebKeySet): JWTVerifyGetKey {
    let getKey = this.localSets.get(keySet);
    if (!getKey) {
      getKey = createLocalJWKSet(keySet);
      this.localSets.set(keySet, getKey);
    }
    return getKey;
  }
}

function reasonOf(error: unknown): AuthFailure {
  if (error instanceof joseErrors.JWTExpired) return 'exp';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud' || error.claim === 'nbf' || error.claim === 'iat' || error.claim === 'exp') return error.claim;
    return 'claims';
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'unknown-kid';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'alg';
  return 'signature';
}
