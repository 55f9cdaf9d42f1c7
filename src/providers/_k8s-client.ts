/**
 * The connection under the kubernetes provider: loads @kubernetes/client-node on first use (it
 * takes about half a second, which no other command should pay), finds the credentials, and
 * sends each call with a timeout, retries and Retry-After honoured.
 *
 * Credentials, first that applies: the `kubeconfig` option; KUBECONFIG (several files joined
 * with `:`, merged as kubectl does); inside a pod (KUBERNETES_SERVICE_HOST set and a service
 * account token mounted), the pod's service account, read as the SDK's `loadFromCluster` does
 * (token, ca.crt and namespace under /var/run/secrets/kubernetes.io/serviceaccount, a directory
 * the `serviceAccountDir` option moves) but from the provider's environment rather than
 * process.env; else ~/.kube/config. The token file is read again every minute, so projected
 * tokens that the kubelet rotates keep working.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { isIPv6 } from 'node:net';
import { CofferError } from '../core/errors.js';
import { loadOptionalPackage } from '../io/optional-package.js';
import type { Middleware, RequestContext, ResponseContext } from '@kubernetes/client-node';
import { failureOf, isTransient, k8sError, type K8sCall } from './_k8s-errors.js';

const PACKAGE = '@kubernetes/client-node';
/** Where Kubernetes mounts a pod's service account. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A Secret as the API carries it (data values are base64). */
export interface K8sSecret {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string | undefined;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  type?: string;
  data?: Record<string, string>;
}

/** The CoreV1Api methods the provider uses (the SDK's object-parameter API). */
export interface K8sApi {
  readNamespacedSecret(param: { name: string; namespace: string }): Promise<K8sSecret>;
  listNamespacedSecret(param: { namespace: string; labelSelector?: string; limit?: number; _continue?: string }): Promise<{ items: K8sSecret[]; metadata?: { _continue?: string } }>;
  createNamespacedSecret(param: { namespace: string; body: K8sSecret }): Promise<K8sSecret>;
  replaceNamespacedSecret(param: { name: string; namespace: string; body: K8sSecret }): Promise<K8sSecret>;
  deleteNamespacedSecret(param: { name: string; namespace: string; body?: { preconditions?: { resourceVersion?: string } } }): Promise<unknown>;
}

/** What decides how to connect; resolved from options and the environment. */
export interface ConnectSettings {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly serviceAccountDir: string;
  readonly namespace?: string | undefined;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly maxRetryAfterMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** A KubeConfig loaded by the caller, used as it is. */
  readonly kubeConfig?: unknown;
}

/** An open connection: the API, the namespace and what messages say about them. */
export interface K8sConnection {
  readonly namespace: string;
  readonly server: string;
  /** Sends one call; `idempotent` calls are retried on any transient failure, others only when the server cannot have acted (429). */
  call<T>(what: Omit<K8sCall, 'namespace' | 'server' | 'credentials'>, idempotent: boolean, work: (api: K8sApi) => Promise<T>): Promise<T>;
}

/** Loads the SDK and the credentials; see the module comment for the order. */
export async function connect(s: ConnectSettings): Promise<K8sConnection> {
  const sdk = await loadOptionalPackage(PACKAGE, 'The kubernetes provider', () => import('@kubernetes/client-node'));
  const { config, credentials } = s.kubeConfig !== undefined
    ? { config: s.kubeConfig as InstanceType<typeof sdk.KubeConfig>, credentials: 'check the credentials of the KubeConfig given' }
    : loadConfig(sdk, s);
  if (s.context !== undefined) {
    if (config.getContextObject(s.context) === null) {
      const known = config.getContexts().map((c) => c.name).join(', ') || 'none';
      throw new CofferError('COFFER_E_CONFIG_INVALID', `The kubeconfig has no context "${s.context}" (its contexts: ${known}); fix the context option.`, { details: { provider: 'kubernetes' } });
    }
    config.setCurrentContext(s.context);
  }
  const cluster = config.getCurrentCluster();
  if (cluster === null) {
    throw new CofferError('COFFER_E_CONFIG_INVALID', 'The kubeconfig has no current context with a cluster; set the context option or run `kubectl config use-context`.', { details: { provider: 'kubernetes' } });
  }
  const namespace = s.namespace ?? config.getContextObject(config.getCurrentContext())?.namespace ?? 'default';
  // Each attempt gets its own deadline; node-fetch aborts the request when it passes.
  const timeout: Middleware = {
    pre: async (request: RequestContext) => {
      request.setSignal(AbortSignal.timeout(s.timeoutMs));
      return request;
    },
    post: async (response: ResponseContext) => response,
  };
  const configuration = sdk.createConfiguration({
    baseServer: new sdk.ServerConfiguration(cluster.server, {}),
    authMethods: { default: config },
    promiseMiddleware: [timeout],
  });
  const api = new sdk.CoreV1Api(configuration) as unknown as K8sApi;
  const server = cluster.server;

  return {
    namespace,
    server,
    async call(what, idempotent, work) {
      const full: K8sCall = { ...what, namespace, server, credentials };
      for (let attempt = 1; ; attempt++) {
        try {
          return await work(api);
        } catch (error) {
          if (error instanceof CofferError) throw error;
          const failure = failureOf(error);
          const acted = !(failure.status === 429 || failure.network === 'ECONNREFUSED');
          const retry = attempt < s.maxAttempts && isTransient(failure) && (idempotent || !acted);
          const wait = failure.retryAfterMs ?? backoff(attempt);
          if (!retry || wait > s.maxRetryAfterMs) throw k8sError(failure, full, attempt, error);
          await new Promise((done) => setTimeout(done, wait));
        }
      }
    },
  };
}

type Sdk = typeof import('@kubernetes/client-node');

/** Builds the KubeConfig from the first source that applies. */
function loadConfig(sdk: Sdk, s: ConnectSettings): { config: InstanceType<Sdk['KubeConfig']>; credentials: string } {
  const config = new sdk.KubeConfig();
  const env = (name: string) => ((s.env[name] ?? '') === '' ? undefined : s.env[name]);
  const files = s.kubeconfig !== undefined ? [resolve(s.cwd, s.kubeconfig)] : env('KUBECONFIG')?.split(delimiter).filter((f) => f !== '').map((f) => resolve(s.cwd, f));
  const host = env('KUBERNETES_SERVICE_HOST');
  const tokenFile = join(s.serviceAccountDir, 'token');
  if (files === undefined && host !== undefined && existsSync(tokenFile)) {
    const port = env('KUBERNETES_SERVICE_PORT') ?? '443';
    const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
    const namespaceFile = join(s.serviceAccountDir, 'namespace');
    const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined;
    config.loadFromOptions({
      clusters: [{ name: 'inCluster', server: `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`, caFile: join(s.serviceAccountDir, 'ca.crt'), skipTLSVerify: false }],
      users: [{ name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
      contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser', ...(namespace ? { namespace } : {}) }],
      currentContext: 'inClusterContext',
    });
    return { config, credentials: `the pod's service account token (${tokenFile}) was refused: check that the service account exists and its token is mounted` };
  }
  const chosen = files ?? [join(env('HOME') ?? homedir(), '.kube', 'config')];
  const source = s.kubeconfig !== undefined ? 'the kubeconfig option' : files !== undefined ? 'KUBECONFIG' : '~/.kube/config';
  for (const [i, file] of chosen.entries()) {
    if (!isAbsolute(file) || !existsSync(file)) {
      const hint = files === undefined ? ' (no KUBECONFIG, and not inside a pod with a service account)' : '';
      throw new CofferError('COFFER_E_CONFIG_INVALID', `No kubeconfig at ${file}${hint}; set the kubeconfig option or KUBECONFIG, or run inside a pod.`, { details: { provider: 'kubernetes', file } });
    }
    try {
      if (i === 0) config.loadFromFile(file);
      else {
        const more = new sdk.KubeConfig();
        more.loadFromFile(file);
        config.mergeConfig(more, config.getCurrentContext() !== undefined);
      }
    } catch (error) {
      throw new CofferError('COFFER_E_CONFIG_INVALID', `The kubeconfig ${file} cannot be read as a kubeconfig (${(error as { code?: string }).code ?? 'invalid YAML or entries'}); fix it or point ${source} elsewhere.`, { details: { provider: 'kubernetes', file } });
    }
  }
  const user = config.getCurrentUser()?.name;
  return { config, credentials: `refresh the credentials of the kubeconfig user${user ? ` "${user}"` : ''} (from ${source}), for example by logging in to the cluster again` };
}

/** Exponential backoff with jitter: half to all of 200 ms * 2^(attempt-1), at most 5 s. */
function backoff(attempt: number): number {
  const full = Math.min(5_000, 200 * 2 ** (attempt - 1));
  return Math.round(full / 2 + Math.random() * (full / 2));
}
