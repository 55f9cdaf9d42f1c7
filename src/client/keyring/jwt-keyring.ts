/**
 * A JWT keyring for app-owned HMAC signing secrets that Coffer rotates: tokens are signed with
 * the secret's `current` value and carry its version as `kid`; verification picks the key by
 * `kid` among the live ones, so a token issued just before a rotation keeps verifying with
 * `previous` until the grace period ends, then fails. Built on jose.
 *
 * @example
 * const jwt = createJwtKeyring({ manager, name: 'JWT_SECRET', issuer: 'api' });
 * const token = await jwt.sign({ sub: 'user-1' }, { expiresIn: '15m' });
 * const { payload } = await jwt.verify(token);
 */
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload, type JWTVerifyResult, type JWTHeaderParameters } from 'jose';
import { CofferError } from '../../core/errors.js';
import { openLiveKeys, type KeyringOptions, type LiveKey } from './_live-keys.js';

/** HMAC algorithms a shared-secret keyring can use. */
export type JwtAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** Options of {@link createJwtKeyring}. */
export interface JwtKeyringOptions extends KeyringOptions {
  /** Signing algorithm; default `HS256`. Verification accepts only this one (no `alg` confusion). */
  readonly algorithm?: JwtAlgorithm;
  /** `iss` set on signed tokens and required on verified ones; default none. */
  readonly issuer?: string;
  /** `aud` set on signed tokens and required on verified ones; default none. */
  readonly audience?: string;
  /** Clock skew tolerated on `exp` and `nbf`, in seconds; default 5. */
  readonly clockToleranceSec?: number;
}

/** Options of {@link JwtKeyring.sign}. */
export interface JwtSignOptions {
  /** Lifetime: seconds, or a jose duration string (`15m`, `2h`); default `15m`. */
  readonly expiresIn?: number | string;
  /** `sub` claim. */
  readonly subject?: string;
}

/** Signs and verifies JWTs across rotations of one secret. */
export interface JwtKeyring {
  /** Signs `payload` with the current key; the header carries `kid`. */
  sign(payload: JWTPayload, options?: JwtSignOptions): Promise<string>;
  /**
   * Verifies `token` with the live key its `kid` names (or, without `kid`, any live key).
   * Throws COFFER_E_TOKEN_INVALID saying why (expired, bad signature, retired key, wrong
   * issuer...); the message never contains the token.
   */
  verify(token: string): Promise<JWTVerifyResult & { kid: string }>;
  /** The live key ids, current first: for health pages and logs (no key material). */
  keyIds(): Promise<string[]>;
  /** Reads the keys again now (after a rotation, instead of waiting for `refreshMs`). */
  reload(): Promise<void>;
  /** Stops listening to the manager. */
  close(): void;
}

/** Creates a JWT keyring over the secret `options.name`. */
export function createJwtKeyring(options: JwtKeyringOptions): JwtKeyring {
  const keys = openLiveKeys(options);
  const algorithm = options.algorithm ?? 'HS256';
  const encoder = new TextEncoder();

  const tryKey = async (token: string, key: LiveKey) => {
    const result = await jwtVerify(token, encoder.encode(key.value), {
      algorithms: [algorithm],
      ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
      clockTolerance: options.clockToleranceSec ?? 5,
    });
    return { ...result, kid: key.kid };
  };

  return {
    async sign(payload, signOptions = {}) {
      const key = await keys.current();
      const header: JWTHeaderParameters = { alg: algorithm, kid: key.kid, typ: 'JWT' };
      let jwt = new SignJWT(payload).setProtectedHeader(header).setIssuedAt().setExpirationTime(signOptions.expiresIn ?? '15m');
      if (options.issuer !== undefined) jwt = jwt.setIssuer(options.issuer);
      if (options.audience !== undefined) jwt = jwt.setAudience(options.audience);
      if (signOptions.subject !== undefined) jwt = jwt.setSubject(signOptions.subject);
      return jwt.sign(encoder.encode(key.value));
    },
    async verify(token) {
      const kid = headerKid(token, options.name);
      try {
        if (kid !== undefined) {
          const key = await keys.find(kid);
          if (key === undefined) throw invalid(options.name, `it was signed with key version ${kid}, which is not live (retired after a rotation's grace period, or never issued)`);
          return await tryKey(token, key);
        }
        let last: unknown;
        for (const key of await keys.all()) {
          try {
            return await tryKey(token, key);
          } catch (error) {
            last = error;
            if (!(error instanceof joseErrors.JWSSignatureVerificationFailed)) break;
          }
        }
        throw last;
      } catch (error) {
        throw error instanceof CofferError ? error : invalid(options.name, reason(error));
      }
    },
    keyIds: async () => (await keys.all()).map((key) => key.kid),
    reload: async () => {
      await keys.reload();
    },
    close: keys.close,
  };
}

function headerKid(token: string, name: string): string | undefined {
  const [encoded] = token.split('.', 1);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(encoded ?? '', 'base64url').toString('utf8'));
  } catch {
    throw invalid(name, 'it is not a JWT (its header is not base64url JSON)');
  }
  const kid = (header as { kid?: unknown } | null)?.kid;
  if (kid === undefined) return undefined;
  if (typeof kid !== 'string') throw invalid(name, 'its kid header is not a string');
  return kid;
}

function reason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'it has expired';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not match any live key';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `its ${error.claim} claim is not accepted (${error.reason})`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'it uses an algorithm this keyring does not accept';
  if (error instanceof joseErrors.JOSEError) return `it is malformed (${error.code})`;
  return 'it could not be verified';
}

// jose's errors are not kept as the cause: some carry the token's claims.
function invalid(name: string, why: string): CofferError {
  return new CofferError('COFFER_E_TOKEN_INVALID', `Token refused: ${why} (keyring of ${name}).`, { details: { name } });
}
