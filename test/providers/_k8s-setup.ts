/**
 * Test setup for the kubernetes provider: a fake API server (./_fake-kubernetes.ts) with a
 * kubeconfig in a temp directory pointing at it with a bearer token, a provider opened on that
 * kubeconfig, and a self-signed certificate (made with openssl) for the HTTPS, in-cluster case.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { isCofferError, type ErrorCode } from '../../src/core/errors.js';
import createKubernetesProvider, { type KubernetesOptions } from '../../src/providers/kubernetes.js';
import { startFakeKubernetes, type FakeKubernetes } from './_fake-kubernetes.js';

/** The kubeconfig YAML for `fake` (plain http needs insecure-skip-tls-verify, as the SDK demands). */
export function kubeconfigYaml(fake: FakeKubernetes, options: { token?: string; namespace?: string; context?: string } = {}): string {
  const context = options.context ?? 'fake';
  return [
    'apiVersion: v1', 'kind: Config',
    'clusters:', `- name: ${context}-cluster`, '  cluster:', `    server: ${fake.url}`, '    insecure-skip-tls-verify: true',
    'users:', `- name: ${context}-user`, '  user:', `    token: ${options.token ?? fake.token}`,
    'contexts:', `- name: ${context}`, '  context:', `    cluster: ${context}-cluster`, `    user: ${context}-user`, ...(options.namespace === undefined ? [] : [`    namespace: ${options.namespace}`]),
    `current-context: ${context}`, '',
  ].join('\n');
}

/** What a test body gets. */
export interface K8sSetup {
  readonly fake: FakeKubernetes;
  readonly dir: string;
  /** The kubeconfig file (namespace `shop`). */
  readonly kubeconfig: string;
  /** A provider on that kubeconfig, one try per call unless told otherwise. */
  open(options?: KubernetesOptions): ReturnType<typeof createKubernetesProvider>;
}

/** Runs `body` with a fresh fake (namespace `shop` exists) and kubeconfig; cleans up after. */
export async function withK8s(body: (setup: K8sSetup) => Promise<void>): Promise<void> {
  const fake = await startFakeKubernetes({ namespaces: ['shop'] });
  const dir = await mkdtemp(join(tmpdir(), 'coffer-k8s-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigYaml(fake, { namespace: 'shop' }), { mode: 0o600 });
  const opened: ReturnType<typeof createKubernetesProvider>[] = [];
  const open = (options: KubernetesOptions = {}) => {
    const provider = createKubernetesProvider({ kubeconfig, maxAttempts: 1, ...options }, { env: {}, cwd: dir });
    opened.push(provider);
    return provider;
  };
  try {
    await body({ fake, dir, kubeconfig, open });
  } finally {
    await Promise.all(opened.map((p) => p.close()));
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A self-signed certificate for 127.0.0.1 (key and cert PEM) written under `dir`. */
export async function selfSignedCert(dir: string): Promise<{ key: string; cert: string }> {
  const key = join(dir, 'server.key');
  const cert = join(dir, 'server.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
}

/** An assert.rejects check: a CofferError with `code` whose message holds every part and none of `hidden`. */
export const rejects = (code: ErrorCode, parts: readonly (string | RegExp)[], hidden: readonly string[] = []) => (error: unknown) => {
  assert.ok(isCofferError(error, code), `expected ${code}, got ${String(error)}`);
  for (const part of parts) assert.match(error.message, typeof part === 'string' ? new RegExp(part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : part);
  const shown = `${error.message} ${JSON.stringify(error.details)}`;
  for (const secret of hidden) assert.ok(!shown.includes(secret), `the error shows a secret: ${error.message}`);
  return true;
};
