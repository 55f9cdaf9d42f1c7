/**
 * TLS and sign-in for the fake Azure Key Vault: a self-signed certificate for 127.0.0.1 made
 * with openssl once per test process (Key Vault's SDK sends bearer tokens over https only, and
 * the tests trust this certificate through client options, never process-wide), and a minimal
 * Microsoft Entra ID: the OpenID configuration and the client-credentials token endpoint that
 * @azure/identity's ClientSecretCredential calls, issuing opaque tokens the fake vault checks.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The tenant the fake Entra ID serves. */
export const TENANT = '8a2f4c1e-5b7d-4e3a-9c6f-0d1e2f3a4b5c';
/** The client id and secret it accepts. */
export const CLIENT = { id: 'b1c2d3e4-0000-4000-8000-coffer000001', secret: 'fake-client-secret-3f9a' } as const;

let cached: { cert: string; key: string } | undefined;

/** A certificate and key for 127.0.0.1 (and localhost), valid for a day. */
export function selfSignedCertificate(): { cert: string; key: string } {
  if (cached !== undefined) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'coffer-azure-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    cached = { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The fake Entra ID: which tokens it issued and still honours. */
export interface FakeEntra {
  /** Tokens issued and not revoked. */
  readonly valid: Set<string>;
  /** Scopes asked for, in order. */
  readonly scopes: string[];
  /** Answers a sign-in request; false when the path is not Entra's. */
  handle(req: IncomingMessage, res: ServerResponse, body: string, base: string): boolean;
}

/** Creates the sign-in side of the fake. */
export function createFakeEntra(): FakeEntra {
  const valid = new Set<string>();
  const scopes: string[] = [];
  return {
    valid,
    scopes,
    handle(req, res, body, base) {
      const path = new URL(req.url ?? '/', base).pathname;
      if (path === `/${TENANT}/v2.0/.well-known/openid-configuration`) {
        const at = `${base}/${TENANT}`;
        json(res, 200, { issuer: `${at}/v2.0`, token_endpoint: `${at}/oauth2/v2.0/token`, authorization_endpoint: `${at}/oauth2/v2.0/authorize`, end_session_endpoint: `${at}/oauth2/v2.0/logout`, jwks_uri: `${at}/discovery/v2.0/keys`, response_modes_supported: ['query', 'fragment', 'form_post'] });
        return true;
      }
      if (path !== `/${TENANT}/oauth2/v2.0/token`) return false;
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== CLIENT.id || form.get('client_secret') !== CLIENT.secret) {
        json(res, 401, { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${form.get('client_id') ?? ''}'.`, error_codes: [7000215] });
        return true;
      }
      scopes.push(form.get('scope') ?? '');
      const token = `fake-kv-token-${randomBytes(8).toString('hex')}`;
      valid.add(token);
      json(res, 200, { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: token });
      return true;
    },
  };
}

/** Writes a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
