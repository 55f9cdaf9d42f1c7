/**
 * How the aws-secrets-manager provider reaches AWS: the SDK, an optional peer dependency, is
 * loaded on first use (so that opening the provider, or any other provider, costs nothing and
 * never touches the network), and the client is configured from the provider's options and the
 * environment the provider was given, not only from process.env: a caller that passes its own
 * environment (a test, `coffer run` with a prepared one) gets the region, endpoint and
 * credentials it holds. What is not set there is left to the SDK's own chain (profiles in
 * ~/.aws, SSO, web identity, container and instance roles).
 */
import { loadOptionalPackage } from '../io/optional-package.js';

/** The SDK module. */
export type AwsSdk = typeof import('@aws-sdk/client-secrets-manager');

/** The package the provider needs, named in the error when it is missing. */
export const AWS_SDK_PACKAGE = '@aws-sdk/client-secrets-manager';

/** Where and as whom the client talks, resolved once, for the client and for messages. */
export interface AwsTarget {
  /** The region, when known before the SDK resolves it (options or environment). */
  readonly region?: string;
  /** A custom endpoint URL (options, AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL). */
  readonly endpoint?: string;
  readonly profile?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

type Vars = Readonly<Record<string, string | undefined>>;
const first = (vars: Vars, names: readonly string[]): string | undefined => names.map((n) => vars[n]).find((v) => v !== undefined && v !== '');

/** Region, endpoint, profile and credentials from `options`, else the variables AWS tools read. */
export function resolveTarget(options: { region?: string; endpoint?: string; profile?: string }, vars: Vars): AwsTarget {
  const region = options.region ?? first(vars, ['AWS_SECRETS_MANAGER_REGION', 'AWS_SECRET_MANAGER_REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION']);
  const ignoreEnvEndpoints = vars.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true';
  const endpoint = options.endpoint ?? (ignoreEnvEndpoints ? undefined : first(vars, ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ENDPOINT_URL']));
  const profile = options.profile ?? first(vars, ['AWS_PROFILE']);
  const accessKeyId = vars.AWS_ACCESS_KEY_ID;
  const secretAccessKey = vars.AWS_SECRET_ACCESS_KEY;
  // As in the SDK's own chain, a named profile wins over keys in the environment.
  const credentials = profile === undefined && accessKeyId && secretAccessKey
    ? { accessKeyId, secretAccessKey, ...(vars.AWS_SESSION_TOKEN ? { sessionToken: vars.AWS_SESSION_TOKEN } : {}) }
    : undefined;
  return {
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(profile === undefined ? {} : { profile }),
    ...(credentials === undefined ? {} : { credentials }),
  };
}

/** Loads the SDK; COFFER_E_MISSING_PACKAGE naming the package and the install command when it is missing (the shared loader every provider uses). */
export function loadAwsSdk(): Promise<AwsSdk> {
  return loadOptionalPackage(AWS_SDK_PACKAGE, 'The aws-secrets-manager provider', () => import('@aws-sdk/client-secrets-manager'));
}

/** Creates the SDK client for `target`, with `maxAttempts` tries per call and `timeoutMs` per try. */
export function createClient(sdk: AwsSdk, target: AwsTarget, maxAttempts: number, timeoutMs: number) {
  return new sdk.SecretsManagerClient({
    ...(target.region === undefined ? {} : { region: target.region }),
    ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
    ...(target.profile === undefined ? {} : { profile: target.profile }),
    ...(target.credentials === undefined ? {} : { credentials: target.credentials }),
    maxAttempts,
    // A silent endpoint (a firewall dropping packets) fails after timeoutMs instead of hanging.
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true },
  });
}
