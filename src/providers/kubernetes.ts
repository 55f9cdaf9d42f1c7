/**
 * The `kubernetes` provider: secrets in Kubernetes Secrets of one namespace, in one of two
 * layouts. `object` (the default): one Secret (`secretName`, default `coffer`) holds every Coffer
 * secret as a data key, ready for `envFrom` or a volume, and a batch of writes is one atomic
 * update. `per-secret`: one Secret per Coffer secret, named `prefix + encoded name` (reversibly:
 * DB_PASSWORD -> coffer-db-password, see _k8s-names.ts), labelled so `list` finds exactly
 * Coffer's. Values are base64 data, never labels or annotations; the set and rotate-by dates go
 * into annotations. Writes carry the resourceVersion they read (optimistic concurrency): a
 * concurrent writer makes the write start again from a fresh read, and COFFER_E_CONFLICT after
 * several losses. Secrets have no versions or stages, and the provider says so.
 *
 * @kubernetes/client-node loads on the first call, never when the provider opens. Credentials:
 * the `kubeconfig` option, KUBECONFIG, the pod's service account, or ~/.kube/config (see
 * _k8s-client.ts). docs/providers/kubernetes.md lists options, the RBAC Role and the errors.
 */
import { z } from 'zod/v3';
import { CofferError } from '../core/errors.js';
import { connect, SERVICE_ACCOUNT_DIR, type K8sConnection } from './_k8s-client.js';
import { isObjectName } from './_k8s-names.js';
import { objectLayout } from './_k8s-object.js';
import { perSecretLayout } from './_k8s-per-secret.js';
import type { Layout } from './_k8s-secret.js';
import type { GetOptions, ProviderFactory, SecretListing, SecretRecord, SecretWrite } from './types.js';

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Validates `KubernetesOptions` as written in a config file. */
export const optionsSchema = z.object({
  namespace: z.string().regex(DNS_LABEL, 'a namespace name (lower-case letters, digits and -)').optional(),
  mode: z.enum(['object', 'per-secret']).optional(),
  secretName: z.string().refine(isObjectName, 'a Secret name (lower-case letters, digits, - and .)').optional(),
  prefix: z.string().regex(/^([a-z0-9][-a-z0-9.]{0,199})?$/, 'lower-case letters, digits, - and ., starting with a letter or digit').optional(),
  labels: z.record(z.string().regex(LABEL_KEY, 'a label key'), z.string().regex(LABEL_VALUE, 'a label value')).optional(),
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  serviceAccountDir: z.string().min(1).optional(),
  timeoutMs: z.number().int().min(100).max(300_000).optional(),
  maxAttempts: z.number().int().min(1).max(10).optional(),
  maxRetryAfterMs: z.number().int().min(0).max(600_000).optional(),
}).strict();

/** Options of the `kubernetes` provider. */
export interface KubernetesOptions {
  /** The namespace of the Secrets. Default: COFFER_K8S_NAMESPACE, else K8S_SECRET_NAMESPACE, else the kubeconfig context's namespace, else the pod's own (service account), else `default`. */
  readonly namespace?: string;
  /** `object`: one Secret holds every secret as a key; `per-secret`: one Secret per secret. Default `object`. */
  readonly mode?: 'object' | 'per-secret';
  /** The Secret of `object` mode. Default: K8S_SECRET_NAME, else `coffer`. */
  readonly secretName?: string;
  /** Prepended to the object name of each secret in `per-secret` mode. Default `coffer-`. */
  readonly prefix?: string;
  /** Labels added to the Secrets Coffer creates (besides `app.kubernetes.io/managed-by: coffer`). Default: none. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Path of a kubeconfig file, resolved against the project root. Default: KUBECONFIG, else the pod's service account, else ~/.kube/config. */
  readonly kubeconfig?: string;
  /** The kubeconfig context to use. Default: its current-context. */
  readonly context?: string;
  /** Where the pod's service account (token, ca.crt, namespace) is mounted. Default `/var/run/secrets/kubernetes.io/serviceaccount`. */
  readonly serviceAccountDir?: string;
  /** Milliseconds each call may take. Default 15000. */
  readonly timeoutMs?: number;
  /** Tries per call, retries included, on throttling (429), 5xx, timeouts and network failures. Default 3. */
  readonly maxAttempts?: number;
  /** The longest Retry-After waited for; a throttled call asked to wait longer fails at once. Default 30000. */
  readonly maxRetryAfterMs?: number;
  /** A KubeConfig of @kubernetes/client-node, loaded by the caller, used instead of finding one. Code only. */
  readonly kubeConfig?: unknown;
  /** The clock, for the set date of writes that give none. Code only. Default: the system clock. */
  readonly now?: () => Date;
}

/**
 * Creates a provider over Kubernetes Secrets.
 *
 * @example
 * const k8s = createKubernetesProvider({ namespace: 'shop', secretName: 'api-secrets' });
 * await k8s.get('DB_PASSWORD');            // key DB_PASSWORD of Secret shop/api-secrets
 * const each = createKubernetesProvider({ namespace: 'shop', mode: 'per-secret' });
 * await each.get('DB_PASSWORD');           // key "value" of Secret shop/coffer-db-password
 */
export const createKubernetesProvider = ((options: KubernetesOptions = {}, context: { env?: Readonly<Record<string, string | undefined>>; cwd?: string } = {}) => {
  const env = context.env ?? process.env;
  const mode = options.mode ?? 'object';
  // K8S_SECRET_NAMESPACE and K8S_SECRET_NAME are what teams moving from the requirements' secrets
  // module already set; Coffer's own name, then an option, win over them.
  const secretNameFrom = options.secretName !== undefined ? 'the secretName option' : env.K8S_SECRET_NAME ? 'K8S_SECRET_NAME' : undefined;
  const secretName = options.secretName ?? (env.K8S_SECRET_NAME || 'coffer');
  const prefix = options.prefix ?? 'coffer-';
  const namespaceFrom = options.namespace !== undefined ? 'the namespace option' : env.COFFER_K8S_NAMESPACE ? 'COFFER_K8S_NAMESPACE' : 'K8S_SECRET_NAMESPACE';
  const namespace = options.namespace ?? (env.COFFER_K8S_NAMESPACE || env.K8S_SECRET_NAMESPACE || undefined);
  const serviceAccountDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  let layout: Promise<Layout> | undefined;
  let closed = false;

  const open = (): Promise<Layout> => {
    if (closed) return Promise.reject(new CofferError('COFFER_E_USAGE', 'The kubernetes provider was closed; open a new one.'));
    if (namespace !== undefined && !DNS_LABEL.test(namespace)) {
      return Promise.reject(new CofferError('COFFER_E_CONFIG_INVALID', `The namespace ${JSON.stringify(namespace.slice(0, 80))} (${namespaceFrom}) is not a namespace name (lower-case letters, digits and -, at most 63); fix it.`, { details: { provider: 'kubernetes' } }));
    }
    if (mode === 'object' && secretNameFrom !== undefined && !isObjectName(secretName)) {
      return Promise.reject(new CofferError('COFFER_E_CONFIG_INVALID', `The Secret name ${JSON.stringify(secretName.slice(0, 80))} (${secretNameFrom}) is not a Kubernetes object name (lower-case letters, digits, - and ., at most 253); fix it.`, { details: { provider: 'kubernetes' } }));
    }
    layout ??= connect({
      kubeconfig: options.kubeconfig, context: options.context, serviceAccountDir, namespace, env, cwd: context.cwd ?? process.cwd(),
      timeoutMs: options.timeoutMs ?? 15_000, maxAttempts: options.maxAttempts ?? 3, maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
      ...(options.kubeConfig === undefined ? {} : { kubeConfig: options.kubeConfig }),
    }).then((conn: K8sConnection) => {
      const layoutOptions = { labels: options.labels ?? {}, now: options.now ?? (() => new Date()) };
      return mode === 'object' ? objectLayout(conn, secretName, layoutOptions) : perSecretLayout(conn, prefix, layoutOptions);
    });
    // A failed connection (no kubeconfig yet, SDK missing) is tried again on the next call.
    layout.catch(() => (layout = undefined));
    return layout;
  };

  return {
    id: 'kubernetes' as const,
    location: `Kubernetes Secrets (namespace ${namespace ?? 'of the current context'}, ${mode === 'object' ? `Secret ${secretName}` : `one Secret per secret, prefix ${prefix}`})`,
    capabilities: { write: true, list: true, versions: false, stages: false, metadata: true, persistent: true },
    async get(name: string, getOptions: GetOptions = {}): Promise<SecretRecord> {
      if (getOptions.version !== undefined || getOptions.stage !== undefined) {
        throw new CofferError('COFFER_E_UNSUPPORTED', 'Kubernetes Secrets keep only the current value (no versions or stages); read the current value, and rotate in a provider with stages.', { details: { provider: 'kubernetes', name } });
      }
      return (await open()).get(name);
    },
    list: async (): Promise<SecretListing[]> => (await open()).list(),
    set: async (name: string, value: string, metadata?: SecretWrite['metadata']): Promise<void> => (await open()).setMany([{ name, value, ...(metadata ? { metadata } : {}) }]),
    setMany: async (writes: readonly SecretWrite[]): Promise<void> => (await open()).setMany(writes),
    delete: async (name: string): Promise<void> => (await open()).delete(name),
    async close(): Promise<void> {
      closed = true;
    },
  };
}) satisfies ProviderFactory<KubernetesOptions>;

export default createKubernetesProvider;
