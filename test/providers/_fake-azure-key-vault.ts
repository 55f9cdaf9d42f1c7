/**
 * A local Azure Key Vault for tests: the secrets REST API (api-version 7.x and 2025-07-01) over
 * HTTPS on 127.0.0.1, reached by the real @azure/keyvault-secrets SDK with a real
 * @azure/identity credential (see _fake-azure-tls.ts for the certificate and sign-in). It does
 * challenge authentication as the service does (a request without a token gets 401 with
 * `WWW-Authenticate: Bearer authorization=... resource=...`), keeps secrets case-insensitively
 * with versions (32-hex ids, integer-second timestamps), tags, enabled flags and soft delete
 * (a deletion and a recovery take a poll to complete; a deleted name answers 409 to writes until
 * it is recovered or purged), pages every list with nextLink, and answers errors in Key Vault's
 * shape ({ error: { code, message, innererror } }). Failures can be injected: 403 on a secret,
 * 429 with Retry-After, 503, and revoked tokens.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { CLIENT, TENANT, createFakeEntra, json, selfSignedCertificate } from './_fake-azure-tls.js';

/** One version of a secret. */
export interface FakeVersion { id: string; value: string; tags: Record<string, string>; contentType?: string; enabled: boolean; created: number; updated: number }
/** A secret: its name as created, its versions oldest first, and GETs that still answer 404 while a recovery completes. */
export interface FakeSecret { name: string; versions: FakeVersion[]; recovering: number }
interface Deleted { secret: FakeSecret; deletedDate: number; pending: number }

/** Failures the next calls meet. */
export interface AzureFaults {
  /** Secret names (any case) whose every call is refused with 403 ForbiddenByRbac. */
  denied: Set<string>;
  /** The next N calls answer 429 with Retry-After. */
  throttle: number;
  /** The Retry-After sent with 429, in seconds. */
  retryAfter: string;
  /** The next N calls answer 503. */
  unavailable: number;
}

/** A running fake. */
export interface FakeKeyVault {
  readonly url: string;
  /** The authority host to sign in at (for ClientSecretCredential or AZURE_AUTHORITY_HOST). */
  readonly authority: string;
  /** PEM of the certificate the fake serves, and a file holding it (for the caCert option). */
  readonly ca: string;
  readonly caFile: string;
  /** Live secrets, by lower-case name. */
  readonly secrets: Map<string, FakeSecret>;
  /** Soft-deleted secrets, by lower-case name. */
  readonly deleted: Map<string, Deleted>;
  readonly faults: AzureFaults;
  /** Every vault request as `METHOD path`, with when it arrived (ms). */
  readonly requests: { line: string; at: number }[];
  /** A ClientSecretCredential signing in at this fake (a wrong secret makes Entra refuse it). */
  credential(secret?: string): ClientSecretCredential;
  /** Makes every token issued so far invalid, as an expiry or a revocation would. */
  revokeTokens(): void;
  close(): Promise<void>;
}

const PAGE = 2;
const now = () => Math.floor(Date.now() / 1000);
const kvError = (res: ServerResponse, status: number, code: string, message: string, inner?: string, headers: Record<string, string> = {}) =>
  json(res, status, { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } }, headers);

/** Starts a fake Key Vault (and Entra ID) on a free loopback port. */
export async function startFakeKeyVault(): Promise<FakeKeyVault> {
  const tls = selfSignedCertificate();
  const dir = mkdtempSync(join(tmpdir(), 'coffer-azure-ca-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, tls.cert);
  const entra = createFakeEntra();
  const secrets = new Map<string, FakeSecret>();
  const deleted = new Map<string, Deleted>();
  const faults: AzureFaults = { denied: new Set(), throttle: 0, retryAfter: '0', unavailable: 0 };
  const requests: { line: string; at: number }[] = [];
  let base = '';
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      try {
        if (!entra.handle(req, res, body, base)) vault(req, res, body);
      } catch (error) {
        kvError(res, 400, 'BadParameter', `bad request: ${(error as Error).message}`);
      }
    });
  });

  const versionId = (s: FakeSecret, v: FakeVersion) => `${base}/secrets/${s.name}/${v.id}`;
  const attributes = (v: FakeVersion) => ({ enabled: v.enabled, created: v.created, updated: v.updated, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 });
  const item = (s: FakeSecret, v: FakeVersion, id: string) => ({ id, attributes: attributes(v), tags: v.tags, ...(v.contentType ? { contentType: v.contentType } : {}) });
  const bundle = (s: FakeSecret, v: FakeVersion) => ({ value: v.value, ...item(s, v, versionId(s, v)) });
  const deletedItem = (d: Deleted) => {
    const latest = d.secret.versions.at(-1) as FakeVersion;
    return { ...item(d.secret, latest, `${base}/secrets/${d.secret.name}`), recoveryId: `${base}/deletedsecrets/${d.secret.name}`, deletedDate: d.deletedDate, scheduledPurgeDate: d.deletedDate + 90 * 86400 };
  };
  const page = <T>(res: ServerResponse, url: URL, all: T[]) => {
    const start = Number(url.searchParams.get('$skiptoken') ?? 0);
    const next = new URL(url.href);
    next.searchParams.set('$skiptoken', String(start + PAGE));
    json(res, 200, { value: all.slice(start, start + PAGE), nextLink: start + PAGE < all.length ? `${base}${next.pathname}${next.search}` : null });
  };

  function vault(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', base);
    requests.push({ line: `${req.method} ${url.pathname}`, at: Date.now() });
    const auth = req.headers.authorization;
    const challenge = { 'www-authenticate': `Bearer authorization="${base}/${TENANT}", resource="https://vault.azure.net"` };
    if (auth === undefined) return kvError(res, 401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.', undefined, challenge);
    if (!entra.valid.has(auth.replace(/^Bearer /, ''))) return kvError(res, 401, 'Unauthorized', 'AKV10022: Invalid audience or the token has expired.', undefined, challenge);
    if (!/^(7\.[0-6]|2025-07-01)$/.test(url.searchParams.get('api-version') ?? '')) return kvError(res, 400, 'BadParameter', 'The api-version is missing or not supported.');
    if (faults.throttle > 0) {
      faults.throttle--;
      return kvError(res, 429, 'Throttled', 'Rate limit exceeded. Try again in a while.', undefined, { 'retry-after': faults.retryAfter });
    }
    if (faults.unavailable > 0) {
      faults.unavailable--;
      return kvError(res, 503, 'ServiceUnavailable', 'The service is temporarily unavailable.');
    }
    const m = /^\/(secrets|deletedsecrets)(?:\/([^/]+))?(?:\/([^/]*))?$/.exec(url.pathname);
    if (m === null) return kvError(res, 404, 'NotFound', `unknown path ${url.pathname}`);
    const [, collection, rawName, sub] = m as unknown as [string, string, string | undefined, string | undefined];
    const name = rawName === undefined ? undefined : decodeURIComponent(rawName);
    const key = name?.toLowerCase();
    if (key !== undefined && faults.denied.has(key)) return kvError(res, 403, 'Forbidden', `The user, group or application 'appid=${CLIENT.id}' does not have secrets permission on key vault 'fake'.`, 'ForbiddenByRbac');
    if (name !== undefined && !/^[0-9A-Za-z-]{1,127}$/.test(name)) return kvError(res, 400, 'BadParameter', 'The request URI contains an invalid name.');
    const input = body === '' ? {} : (JSON.parse(body) as { value?: string; tags?: Record<string, string>; contentType?: string; attributes?: { enabled?: boolean } });

    if (collection === 'deletedsecrets') {
      if (key === undefined) return page(res, url, [...deleted.values()].filter((d) => d.pending === 0).sort((a, b) => a.secret.name.localeCompare(b.secret.name)).map(deletedItem));
      const d = deleted.get(key);
      if (d === undefined) return kvError(res, 404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
      if (d.pending > 0) {
        if (req.method === 'GET') d.pending--;
        return req.method === 'GET' ? kvError(res, 404, 'SecretNotFound', `Deleted Secret not found: ${name}`) : kvError(res, 409, 'Conflict', `Secret ${name} is currently being deleted.`);
      }
      if (req.method === 'GET') return json(res, 200, deletedItem(d));
      if (req.method === 'DELETE') {
        deleted.delete(key);
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'POST' && sub === 'recover') {
        deleted.delete(key);
        d.secret.recovering = 1;
        secrets.set(key, d.secret);
        return json(res, 200, bundle(d.secret, d.secret.versions.at(-1) as FakeVersion));
      }
      return kvError(res, 405, 'MethodNotAllowed', 'unsupported');
    }
    if (key === undefined) {
      const latest = [...secrets.values()].sort((a, b) => a.name.localeCompare(b.name)).map((s) => item(s, s.versions.at(-1) as FakeVersion, `${base}/secrets/${s.name}`));
      return page(res, url, latest);
    }
    const secret = secrets.get(key);
    if (req.method === 'PUT' && sub === undefined) {
      const d = deleted.get(key);
      if (d !== undefined) return kvError(res, 409, 'Conflict', d.pending > 0 ? `Secret ${name} is currently being deleted.` : `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`, 'ObjectIsDeletedButRecoverable');
      if (typeof input.value !== 'string' || input.value.length > 25_600) return kvError(res, 400, 'BadParameter', 'Secret value is missing or too large.');
      if (Object.keys(input.tags ?? {}).length > 15) return kvError(res, 400, 'BadParameter', 'Too many tags.');
      const target = secret ?? { name: name as string, versions: [], recovering: 0 };
      const version: FakeVersion = { id: randomBytes(16).toString('hex'), value: input.value, tags: input.tags ?? {}, enabled: input.attributes?.enabled ?? true, created: now(), updated: now(), ...(input.contentType ? { contentType: input.contentType } : {}) };
      target.versions.push(version);
      secrets.set(key, target);
      return json(res, 200, bundle(target, version));
    }
    if (secret === undefined || (sub === '' || sub === undefined) && req.method === 'GET' && secret.recovering > 0 && secret.recovering--) {
      return kvError(res, 404, 'SecretNotFound', `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.`);
    }
    if (req.method === 'DELETE' && sub === undefined) {
      secrets.delete(key);
      const d: Deleted = { secret, deletedDate: now(), pending: 1 };
      deleted.set(key, d);
      return json(res, 200, deletedItem(d));
    }
    if (sub === 'versions') return page(res, url, secret.versions.map((v) => item(secret, v, versionId(secret, v))));
    const version = sub === '' || sub === undefined ? secret.versions.at(-1) : secret.versions.find((v) => v.id === sub);
    if (version === undefined) return kvError(res, 404, 'SecretNotFound', `A secret with (name/id) ${name}/${sub} was not found in this key vault.`);
    if (req.method === 'PATCH') {
      if (input.attributes?.enabled !== undefined) version.enabled = input.attributes.enabled;
      if (input.tags !== undefined) version.tags = input.tags;
      if (input.contentType !== undefined) version.contentType = input.contentType;
      version.updated = now();
      return json(res, 200, item(secret, version, versionId(secret, version)));
    }
    if (!version.enabled) return kvError(res, 403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
    return json(res, 200, bundle(secret, version));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base, authority: base, ca: tls.cert, caFile, secrets, deleted, faults, requests,
    credential: (secret = CLIENT.secret) => new ClientSecretCredential(TENANT, CLIENT.id, secret, { authorityHost: base, disableInstanceDiscovery: true, tlsOptions: { ca: tls.cert } }),
    revokeTokens: () => entra.valid.clear(),
    close: () => new Promise<void>((resolve) => {
      rmSync(dir, { recursive: true, force: true });
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
