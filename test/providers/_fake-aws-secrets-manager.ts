/**
 * A local AWS Secrets Manager for tests: a node:http server on loopback that speaks the service's
 * wire protocol (AWS JSON 1.1: POST /, `X-Amz-Target: secretsmanager.<Action>`), verifies every
 * request's SigV4 signature against known test credentials (see _sigv4.ts), and keeps secrets,
 * versions and staging labels with the service's rules (_fake-aws-state.ts), so the real SDK
 * talks to it through the `endpoint` option exactly as to AWS. Lists come back a few entries a
 * page, so pagination is always exercised. Tests can make it fail: throttle with Retry-After,
 * answer 500, never answer, act and then lose the answer (a 500 after the change was made, as
 * when a reply is cut off), deny one secret, or treat a session token as expired.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeAwsState, FakeAwsError } from './_fake-aws-state.js';
import { verifySigV4 } from './_sigv4.js';

/** The credentials the fake accepts. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDCOFFERTEST0000001', secretAccessKey: 'coffer-test-secret-access-key/0000000001' } as const;
/** A session token the fake reports as expired. */
export const EXPIRED_SESSION_TOKEN = 'coffer-test-expired-session-token';

/** A failure to inject. */
export interface Injected {
  /** The action it applies to (`GetSecretValue`), or every action. */
  readonly action?: string;
  /** The secret id it applies to, or every secret. */
  readonly secret?: string;
  /** `lost`: the action is carried out, then answered with a 500 as if the reply never arrived. */
  readonly kind: 'throttle' | 'internal' | 'hang' | 'lost';
  /** Retry-After header sent with a throttle, in seconds. */
  readonly retryAfter?: number;
  /** How many requests fail; default every one. */
  times?: number;
}

/** One request the fake received. */
export interface RecordedRequest {
  readonly action: string;
  readonly secretId?: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly at: number;
  status?: number;
  errorType?: string;
}

/** A running fake. */
export interface FakeAws {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly region: string;
  /** Variables that point an AWS client at this fake: region, keys, AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  readonly env: Readonly<Record<string, string>>;
  readonly state: FakeAwsState;
  readonly requests: RecordedRequest[];
  /** Every action on `secretId` is refused with AccessDeniedException. */
  deny(secretId: string): void;
  inject(failure: Injected): void;
  close(): Promise<void>;
}

/** Options of {@link startFakeAws}. */
export interface FakeAwsOptions {
  /** The region it serves; requests signed for another are refused. Default us-east-1. */
  readonly region?: string;
  /** Most entries per page of ListSecrets and ListSecretVersionIds. Default 2. */
  readonly pageSize?: number;
}

/** Starts a fake on a free loopback port. */
export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const region = options.region ?? 'us-east-1';
  const state = new FakeAwsState(region, options.pageSize ?? 2);
  const keys = new Map([[TEST_CREDENTIALS.accessKeyId, TEST_CREDENTIALS.secretAccessKey]]);
  const denied = new Set<string>();
  const injected: Injected[] = [];
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });

  function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
    let input: Record<string, unknown> = {};
    try {
      input = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Record<string, unknown>);
    } catch {
      return reply(res, 400, { __type: 'SerializationException', Message: 'Start of structure or map found where not expected.' });
    }
    const secretId = typeof input.SecretId === 'string' ? input.SecretId : typeof input.Name === 'string' ? input.Name : undefined;
    const record: RecordedRequest = { action, ...(secretId === undefined ? {} : { secretId }), input, at: Date.now() };
    requests.push(record);
    const fail = (status: number, type: string, message: string, headers: Record<string, string> = {}) => {
      record.status = status;
      record.errorType = type;
      reply(res, status, { __type: type, Message: message }, headers);
    };

    if (req.method !== 'POST' || req.headers['content-type'] !== 'application/x-amz-json-1.1') return fail(400, 'UnknownOperationException', 'Unknown operation');
    const signed = verifySigV4(req, body, keys, region);
    if ('type' in signed) return fail(400, signed.type, signed.message);
    if (req.headers['x-amz-security-token'] === EXPIRED_SESSION_TOKEN) return fail(400, 'ExpiredTokenException', 'The security token included in the request is expired');
    if (action === '' || !state.handles(action)) return fail(400, 'UnknownOperationException', `Unknown operation ${target}`);
    if (secretId !== undefined && denied.has(state.nameOf(secretId))) {
      return fail(400, 'AccessDeniedException', `User: arn:aws:iam::123456789012:user/coffer-test is not authorized to perform: secretsmanager:${action} on resource: ${secretId} because no identity-based policy allows the secretsmanager:${action} action`);
    }
    const failure = injected.find((f) => (f.action === undefined || f.action === action) && (f.secret === undefined || f.secret === secretId) && (f.times ?? 1) > 0);
    if (failure !== undefined) {
      if (failure.times !== undefined) failure.times -= 1;
      if (failure.kind === 'hang') return;
      if (failure.kind === 'lost') {
        try {
          state.run(action, input);
        } catch (error) {
          if (!(error instanceof FakeAwsError)) throw error;
        }
        return fail(500, 'InternalServiceError', 'An error occurred on the server side.');
      }
      if (failure.kind === 'internal') return fail(500, 'InternalServiceError', 'An error occurred on the server side.');
      return fail(400, 'ThrottlingException', 'Rate exceeded', failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) });
    }
    try {
      const out = state.run(action, input);
      record.status = 200;
      reply(res, 200, out);
    } catch (error) {
      if (!(error instanceof FakeAwsError)) throw error;
      fail(400, error.type, error.message);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint, region, state, requests,
    env: { AWS_REGION: region, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint },
    deny: (secretId) => void denied.add(secretId),
    inject: (failure) => void injected.push(failure),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID(), ...headers });
  res.end(text);
}
