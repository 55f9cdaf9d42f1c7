/**
 * The conformance suite every provider passes: the Provider contract of src/providers/types.ts
 * checked as a user would notice it. A provider's test calls {@link describeProviderConformance}
 * and adds only what is specific to that backend. A case is skipped only when the provider
 * declares that it lacks the capability the case needs (and then the suite checks that the
 * operation is refused with COFFER_E_UNSUPPORTED instead); there is no other way to opt out.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { isCofferError, type ErrorCode } from '../../src/core/errors.js';
import type { Provider, ProviderCapabilities, SecretWrite } from '../../src/providers/types.js';

/** What a provider's test hands to the suite for each case: a fresh, empty provider. */
export interface ConformanceSubject {
  readonly provider: Provider;
  /** Removes whatever the case created (temp files, variables, remote secrets). */
  readonly cleanup: () => Promise<void>;
  /**
   * A write the provider refuses before storing anything, used to prove that `setMany` is
   * all-or-nothing. Default: an empty name, which no backend accepts.
   */
  readonly rejectedWrite?: SecretWrite;
}

/** Values that break naive quoting, escaping or encoding; every provider must round-trip them. */
export const AWKWARD_VALUES: Readonly<Record<string, string>> = {
  'spaces inside and around': '  two  spaces inside and around  ',
  'hash signs': 'before # after #end',
  'dollar and command syntax': '$HOME ${PATH} $(id) `id` $$',
  'double quotes': 'say "hi" and ""',
  'a single quote': "it's mine",
  backslashes: 'C:\\path\\to\\n\\t\\\\x',
  'equals and colon': 'a=b: c==',
  unicode: 'päßwörd — 秘密 🔑 ǅ \u00a0nbsp',
  newlines: 'line one\nline two\n\nline four',
  'a long value': 'Zk9'.repeat(1500),
};

const NAMES = ['CONFORMANCE_ALPHA', 'CONFORMANCE_BETA', 'CONFORMANCE_GAMMA'] as const;
const [ALPHA, BETA, GAMMA] = NAMES;

/**
 * Declares the conformance tests for one provider.
 *
 * @param name shown as the describe block's title
 * @param makeProvider called once per case; must return a provider that holds no secrets yet
 * @example
 * describeProviderConformance('dotenv', async () => {
 *   const dir = await mkdtemp(join(tmpdir(), 'coffer-'));
 *   return { provider: createDotenvProvider({}, { cwd: dir }), cleanup: () => rm(dir, { recursive: true }) };
 * });
 */
export function describeProviderConformance(name: string, makeProvider: () => Promise<ConformanceSubject>): void {
  const run = (needs: readonly (keyof ProviderCapabilities)[], body: (subject: ConformanceSubject) => Promise<void>) => async (t: TestContext) => {
    const subject = await makeProvider();
    try {
      const missing = needs.filter((capability) => !subject.provider.capabilities[capability]);
      if (missing.length > 0) {
        t.skip(`the provider does not declare ${missing.join(', ')}`);
        return;
      }
      await body(subject);
    } finally {
      await subject.cleanup();
    }
  };

  describe(`provider conformance: ${name}`, () => {
    test('get of a missing name is COFFER_E_NOT_FOUND naming it, without any value', run([], async ({ provider }) => {
      const secret = 'conformance-secret-value-9f3a';
      if (provider.capabilities.write) await provider.set(BETA, secret);
      const error = await expectCode(provider.get(ALPHA), 'COFFER_E_NOT_FOUND', [secret]);
      assert.match(error.message, new RegExp(ALPHA));
    }));

    describe('set then get returns the value unchanged', () => {
      for (const [label, value] of Object.entries(AWKWARD_VALUES)) {
        test(label, run(['write'], async ({ provider }) => {
          await provider.set(ALPHA, value);
          assert.equal((await provider.get(ALPHA)).value, value);
          assert.equal((await provider.get(ALPHA)).name, ALPHA);
        }));
      }
    });

    test('set replaces an existing value', run(['write'], async ({ provider }) => {
      await provider.set(ALPHA, 'first value');
      await provider.set(ALPHA, 'second value');
      assert.equal((await provider.get(ALPHA)).value, 'second value');
    }));

    test('setMany writes every value', run(['write'], async ({ provider }) => {
      await provider.setMany(NAMES.map((n, i) => ({ name: n, value: `many ${i} # $x "q"` })));
      for (const [i, n] of NAMES.entries()) assert.equal((await provider.get(n)).value, `many ${i} # $x "q"`);
    }));

    test('setMany is all-or-nothing when one write is refused', run(['write'], async (subject) => {
      const { provider } = subject;
      await provider.set(ALPHA, 'original alpha');
      const rejected = subject.rejectedWrite ?? { name: '', value: 'rejected-value-77c1' };
      const batch = [
        { name: ALPHA, value: 'updated-alpha-3b2e' },
        { name: BETA, value: 'new-beta-51d0' },
        rejected,
      ];
      await expectAnyCofferError(provider.setMany(batch), ['updated-alpha-3b2e', 'new-beta-51d0', rejected.value]);
      assert.equal((await provider.get(ALPHA)).value, 'original alpha');
      await expectCode(provider.get(BETA), 'COFFER_E_NOT_FOUND', []);
    }));

    test('list is sorted by name and holds no values', run(['write', 'list'], async ({ provider }) => {
      const values = ['list-gamma-value-11', 'list-alpha-value-22', 'list-beta-value-33'];
      await provider.set(GAMMA, values[0]!);
      await provider.set(ALPHA, values[1]!);
      await provider.set(BETA, values[2]!);
      const listing = await provider.list();
      assert.deepEqual(listing.map((entry) => entry.name), [ALPHA, BETA, GAMMA]);
      const text = JSON.stringify(listing);
      for (const value of values) assert.ok(!text.includes(value), 'list output contains a value');
    }));

    test('delete removes the secret; get is then COFFER_E_NOT_FOUND', run(['write'], async ({ provider }) => {
      await provider.set(ALPHA, 'to be deleted 41');
      await provider.set(BETA, 'kept value 42');
      await provider.delete(ALPHA);
      await expectCode(provider.get(ALPHA), 'COFFER_E_NOT_FOUND', ['to be deleted 41', 'kept value 42']);
      assert.equal((await provider.get(BETA)).value, 'kept value 42');
      if (provider.capabilities.list) assert.deepEqual((await provider.list()).map((entry) => entry.name), [BETA]);
    }));

    test('delete of a missing name is COFFER_E_NOT_FOUND', run(['write'], async ({ provider }) => {
      await provider.set(BETA, 'bystander value 43');
      await expectCode(provider.delete(ALPHA), 'COFFER_E_NOT_FOUND', ['bystander value 43']);
      assert.equal((await provider.get(BETA)).value, 'bystander value 43');
    }));

    test('metadata set with a value is read back by get and list', run(['write', 'metadata'], async ({ provider }) => {
      const metadata = { updatedAt: '2025-01-02T03:04:05.000Z', rotateBy: '2025-04-02T03:04:05.000Z' };
      await provider.set(ALPHA, 'value with metadata', metadata);
      await provider.setMany([{ name: BETA, value: 'beta with metadata', metadata: { rotateBy: metadata.rotateBy } }]);
      const alpha = await provider.get(ALPHA);
      assert.equal(alpha.metadata.updatedAt, metadata.updatedAt);
      assert.equal(alpha.metadata.rotateBy, metadata.rotateBy);
      assert.equal((await provider.get(BETA)).metadata.rotateBy, metadata.rotateBy);
      if (provider.capabilities.list) {
        const listed = (await provider.list()).find((entry) => entry.name === ALPHA);
        assert.equal(listed?.metadata.updatedAt, metadata.updatedAt);
        assert.equal(listed?.metadata.rotateBy, metadata.rotateBy);
      }
    }));

    test('versions: an earlier value stays readable by the version get reported for it', run(['write', 'versions'], async ({ provider }) => {
      await provider.set(ALPHA, 'first version value 61');
      const first = (await provider.get(ALPHA)).metadata.version;
      await provider.set(ALPHA, 'second version value 62');
      assert.ok(first !== undefined, 'get reports a version');
      assert.equal((await provider.get(ALPHA, { version: first })).value, 'first version value 61');
      assert.equal((await provider.get(ALPHA)).value, 'second version value 62');
    }));

    test('stages: previous holds the value before the last write', run(['write', 'stages'], async ({ provider }) => {
      await provider.set(ALPHA, 'older staged value 71');
      await provider.set(ALPHA, 'newer staged value 72');
      assert.equal((await provider.get(ALPHA, { stage: 'previous' })).value, 'older staged value 71');
      assert.equal((await provider.get(ALPHA, { stage: 'current' })).value, 'newer staged value 72');
    }));

    test('stages: a pending version stays invisible until it is made current; clearing pending discards it', run(['write', 'stages'], async ({ provider }) => {
      const { putPending, moveStage, clearStage } = provider;
      assert.ok(putPending && moveStage && clearStage, 'a provider with stages implements putPending, moveStage and clearStage');
      await provider.set(ALPHA, 'live staged value 81');
      const pending = await putPending.call(provider, ALPHA, 'pending staged value 82', { token: 'conformance-token-0001-0001-000000000001' });
      assert.equal((await provider.get(ALPHA)).value, 'live staged value 81', 'readers keep the current value');
      assert.equal((await provider.get(ALPHA, { stage: 'pending' })).value, 'pending staged value 82');
      await moveStage.call(provider, ALPHA, 'current', pending);
      assert.equal((await provider.get(ALPHA)).value, 'pending staged value 82');
      assert.equal((await provider.get(ALPHA, { stage: 'previous' })).value, 'live staged value 81');
      await expectCode(provider.get(ALPHA, { stage: 'pending' }), 'COFFER_E_NOT_FOUND', ['pending staged value 82']);
      // A rollback moves current back; a second pending is discarded by clearStage.
      const previous = (await provider.get(ALPHA, { stage: 'previous' })).metadata.version;
      assert.ok(previous !== undefined);
      await moveStage.call(provider, ALPHA, 'current', previous);
      assert.equal((await provider.get(ALPHA)).value, 'live staged value 81');
      await putPending.call(provider, ALPHA, 'discarded staged value 83', { token: 'conformance-token-0002-0002-000000000002' });
      await clearStage.call(provider, ALPHA, 'pending');
      await expectCode(provider.get(ALPHA, { stage: 'pending' }), 'COFFER_E_NOT_FOUND', ['discarded staged value 83']);
      await clearStage.call(provider, ALPHA, 'pending');
      await clearStage.call(provider, ALPHA, 'previous');
      await expectCode(provider.get(ALPHA, { stage: 'previous' }), 'COFFER_E_NOT_FOUND', ['pending staged value 82']);
      assert.equal((await provider.get(ALPHA)).value, 'live staged value 81', 'clearing other stages leaves current alone');
      if (provider.versions) {
        const listed = await provider.versions(ALPHA);
        assert.ok(listed.some((v) => v.metadata.stages?.includes('current')), 'versions say which stage each version carries');
      }
    }));

    test('capabilities it does not declare are refused with COFFER_E_UNSUPPORTED', run([], async ({ provider }) => {
      const { capabilities } = provider;
      if (!capabilities.versions) await expectCode(provider.get(ALPHA, { version: '1' }), 'COFFER_E_UNSUPPORTED', []);
      if (!capabilities.stages) await expectCode(provider.get(ALPHA, { stage: 'previous' }), 'COFFER_E_UNSUPPORTED', []);
      if (!capabilities.write) await expectCode(provider.set(ALPHA, 'refused value'), 'COFFER_E_UNSUPPORTED', ['refused value']);
      if (!capabilities.list) await expectCode(provider.list(), 'COFFER_E_UNSUPPORTED', []);
    }));
  });
}

/** Awaits a rejection with `code`; its message and details must not contain any of `values`. */
async function expectCode(promise: Promise<unknown>, code: ErrorCode, values: readonly string[]) {
  const error = await expectAnyCofferError(promise, values);
  assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
  return error;
}

async function expectAnyCofferError(promise: Promise<unknown>, values: readonly string[]) {
  const error: unknown = await promise.then(
    () => assert.fail('expected the operation to fail'),
    (caught: unknown) => caught,
  );
  if (!isCofferError(error)) throw error;
  const shown = `${error.message} ${JSON.stringify(error.details)}`;
  for (const value of values) assert.ok(!shown.includes(value), `error output contains a secret value: ${error.code}`);
  return error;
}
