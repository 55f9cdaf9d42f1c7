/**
 * AWS Signature Version 4 checked the way the service checks it, for the fake Secrets Manager:
 * the canonical request is rebuilt from what arrived (method, path, query, the headers the
 * client says it signed, the body's SHA-256), signed again with the secret key of the access
 * key id named in the credential scope, and compared with the signature sent. A request the
 * SDK signed with the wrong key, for another region or too long ago is refused with the error
 * AWS returns for it.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A refusal, as the service words it. */
export interface SignatureRefusal {
  readonly type: string;
  readonly message: string;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * Checks the signature of `req` with body `body` against `secretKeys` (access key id -> secret
 * access key) for `region`; returns the refusal, or the access key id when the signature holds.
 */
export function verifySigV4(req: IncomingMessage, body: Buffer, secretKeys: ReadonlyMap<string, string>, region: string, service = 'secretsmanager'): SignatureRefusal | { accessKeyId: string } {
  const auth = header(req, 'authorization');
  const parsed = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth ?? '');
  if (!parsed) return { type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const [, accessKeyId = '', day = '', scopeRegion = '', scopeService = '', signedHeaders = '', signature = ''] = parsed;
  const secret = secretKeys.get(accessKeyId);
  if (secret === undefined) return { type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  if (scopeService !== service) return { type: 'InvalidSignatureException', message: `Credential should be scoped to correct service: '${service}'.` };
  if (scopeRegion !== region) return { type: 'InvalidSignatureException', message: `Credential should be scoped to a valid region, not '${scopeRegion}'.` };
  const amzDate = header(req, 'x-amz-date') ?? '';
  const sent = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Number.isNaN(sent) || !amzDate.startsWith(day) || Math.abs(Date.now() - sent) > 15 * 60_000) {
    return { type: 'InvalidSignatureException', message: `Signature expired: ${amzDate} is now earlier or later than the allowed 15 minutes.` };
  }
  const names = signedHeaders.split(';');
  if (!names.includes('host')) return { type: 'InvalidSignatureException', message: "'Host' must be a 'SignedHeader' in the AWS Authorization." };
  const url = new URL(req.url ?? '/', 'http://fake');
  const canonicalQuery = [...url.searchParams].map(([k, v]) => `${encode(k)}=${encode(v)}`).sort().join('&');
  const canonicalHeaders = names.map((name) => `${name}:${(header(req, name) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [req.method, url.pathname, canonicalQuery, canonicalHeaders, signedHeaders, sha256(body)].join('\n');
  const scope = `${day}/${scopeRegion}/${scopeService}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), scopeRegion), scopeService), 'aws4_request');
  const expected = Buffer.from(createHmac('sha256', key).update(stringToSign).digest('hex'));
  if (!timingSafeEqual(expected, Buffer.from(signature))) {
    return { type: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' };
  }
  return { accessKeyId };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
