/**
 * Compile-time guarantees of typed schemas, checked by `tsc` (npm run typecheck): each
 * `@ts-expect-error` line must be an error, or the typecheck fails. The runtime test only
 * confirms the file loaded; the type assertions are the point.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineSecrets, getSecretManager, type SecretManager } from '../../src/index.js';
import { isCofferError } from '../../src/core/errors.js';

const schema = defineSecrets({
  JWT_SECRET: { category: 'jwt' },
  LOG_LEVEL: { required: false, default: 'info' },
  SENTRY_DSN: { required: false },
});

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const expectType = <T extends true>(_: T): void => undefined;

// Never called: only compiled.
export function typeChecks(manager: SecretManager<typeof schema>, untyped: SecretManager): void {
  expectType<Equal<ReturnType<typeof manager.value<'JWT_SECRET'>>, string>>(true);
  expectType<Equal<ReturnType<typeof manager.value<'LOG_LEVEL'>>, string>>(true);
  expectType<Equal<ReturnType<typeof manager.value<'SENTRY_DSN'>>, string | undefined>>(true);
  // @ts-expect-error a misspelt name does not compile
  manager.value('JWT_SECRTE');
  // @ts-expect-error nor does one the schema does not declare
  void manager.get('DATABASE_URL');
  // An untyped manager takes any name and may return undefined.
  const anything: string | undefined = untyped.value('ANY_NAME');
  void anything;
}

// Never called: the process-wide manager is typed by the schema too.
export async function sharedTypeChecks(): Promise<void> {
  const shared = await getSecretManager({ schema });
  expectType<Equal<ReturnType<typeof shared.value<'JWT_SECRET'>>, string>>(true);
  expectType<Equal<ReturnType<typeof shared.value<'SENTRY_DSN'>>, string | undefined>>(true);
  // @ts-expect-error a misspelt name through getSecretManager does not compile
  shared.value('JWT_SECRTE');
  const later = await getSecretManager<typeof schema>();
  // @ts-expect-error nor through a later call typed with the schema
  void later.get('JWT_SECRTE');
}

test('defineSecrets keeps the schema and refuses invalid names', () => {
  assert.equal(schema.LOG_LEVEL.default, 'info');
  assert.throws(() => defineSecrets({ 'bad-name': {} }), (e) => isCofferError(e, 'COFFER_E_CONFIG_INVALID'));
  assert.throws(() => defineSecrets({ OK: { ttlMs: -1 } }), (e) => isCofferError(e, 'COFFER_E_CONFIG_INVALID'));
});
