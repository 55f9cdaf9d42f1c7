/**
 * The reference resolver: fixed cases for each rule of docs/references.md (secret and env
 * references, escapes, text left alone, malformed references, missing targets, cycles, long
 * chains), and fast-check properties against a naive resolver written here from the grammar.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCofferError, type ErrorCode } from '../../src/core/errors.js';
import * as core from '../../src/core/index.js';
import { escapeReferences, hasReferences, referencedSecrets, resolveReferences, resolveValue, type ResolveOptions } from '../../src/core/references.js';

const RUNS = { numRuns: 300 };
const map = (entries: Record<string, string>) => new Map(Object.entries(entries));
const resolve = (entries: Record<string, string>, options: Partial<ResolveOptions> = {}) => Object.fromEntries(resolveReferences(map(entries), { env: {}, ...options }));

/** Runs fn, asserts it throws a CofferError with the code, and returns the error. */
function failure(code: ErrorCode, fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    assert.ok(isCofferError(error, code), `expected ${code}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

describe('resolving', () => {
  test('${secret:NAME} takes the resolved value of the secret, in any declaration order', () => {
    assert.deepEqual(resolve({
      DATABASE_URL: 'postgres://app:${secret:DB_PASSWORD}@${secret:DB_HOST}/shop',
      DB_HOST: '${env:PGHOST}:5432',
      DB_PASSWORD: 'pw',
    }, { env: { PGHOST: 'db.internal' } }), {
      DATABASE_URL: 'postgres://app:pw@db.internal:5432/shop',
      DB_HOST: 'db.internal:5432',
      DB_PASSWORD: 'pw',
    });
  });

  test('the result keeps every key, in the order given', () => {
    const result = resolveReferences(map({ B: '${secret:A}', A: 'a', C: 'c' }), { env: {} });
    assert.deepEqual([...result.keys()], ['B', 'A', 'C']);
  });

  test('secrets outside the map come from options.secret, once each, and their references resolve too', () => {
    const calls: string[] = [];
    const stored: Record<string, string> = { OUTER: '<${secret:INNER}>', INNER: 'in' };
    const secret = (name: string) => { calls.push(name); return stored[name]; };
    assert.deepEqual(resolve({ A: '${secret:OUTER}${secret:OUTER}', B: '${secret:INNER}' }, { secret }), { A: '<in><in>', B: 'in' });
    assert.deepEqual(calls, ['OUTER', 'INNER']);
    assert.equal(resolve({ A: 'map', X: '${secret:A}' }, { secret: () => 'callback' }).X, 'map', 'the map wins over the callback');
  });

  test('an error thrown by options.secret propagates unchanged', () => {
    const boom = new Error('provider down');
    assert.throws(() => resolve({ A: '${secret:B}' }, { secret: () => { throw boom; } }), (error) => error === boom);
  });

  test('${env:NAME} is taken literally: references in it are not resolved', () => {
    assert.deepEqual(resolve({ A: '[${env:X}]', S: 's' }, { env: { X: '${secret:S} $${ ${vault:x}' } }), { A: '[${secret:S} $${ ${vault:x}]', S: 's' });
    assert.equal(resolve({ A: '[${env:EMPTY}]' }, { env: { EMPTY: '' } }).A, '[]', 'an empty variable is set');
  });

  test('resolveValue resolves one text against values, then options.secret', () => {
    const values = map({ HOST: '${env:H}', PW: 'pw' });
    assert.equal(resolveValue('https://u:${secret:PW}@${secret:HOST}/${secret:EXTRA}', { env: { H: 'h' }, values, secret: (n) => (n === 'EXTRA' ? 'x' : undefined) }), 'https://u:pw@h/x');
    assert.equal(resolveValue('${env:H}', { env: { H: 'h' } }), 'h');
  });

  test('the package exports the resolver from coffer/core', () => {
    assert.equal(core.resolveReferences, resolveReferences);
    assert.equal(core.escapeReferences, escapeReferences);
    for (const code of ['COFFER_E_REFERENCE_CYCLE', 'COFFER_E_REFERENCE_MISSING', 'COFFER_E_REFERENCE_INVALID']) assert.ok(code in core.ERROR_CODES, code);
  });
});

describe('escapes and text left alone', () => {
  test('$${ is a literal ${', () => {
    assert.equal(resolveValue('$${secret:X}', { env: {} }), '${secret:X}');
    assert.equal(resolveValue('$$${secret:X}', { env: {} }), '$${secret:X}', 'leftmost first: $ then the escape');
    assert.equal(resolveValue('a$${b', { env: {} }), 'a${b');
    assert.equal(resolveValue(escapeReferences('${secret:X} and $${env:Y}'), { env: {} }), '${secret:X} and $${env:Y}');
  });

  test('shell and compose syntax passes through untouched', () => {
    for (const text of ['$VAR', '${VAR}', '${VAR:-default}', '${VAR:?required}', '${VAR:+alt}', '${VAR:=x}', '${VAR-x}', '$(whoami)', '`id`', 'price: $5', '$', '$$', '${', '${}', '${ secret:X}', '{secret:X}', 'a}b{c']) {
      assert.equal(resolveValue(text, { env: { VAR: 'no' } }), text, text);
      assert.equal(hasReferences(text), false, text);
    }
  });

  test('hasReferences is true when resolving may change or reject the text', () => {
    for (const text of ['${secret:A}', 'x${env:B}', '$${', '${vault:x}', '${secret:a-b}']) assert.equal(hasReferences(text), true, text);
    assert.equal(hasReferences('plain value'), false);
  });

  test('referencedSecrets lists secret names once, in order, without env variables', () => {
    assert.deepEqual(referencedSecrets('${secret:B}${env:E}${secret:A}$${secret:C}${secret:B}'), ['B', 'A']);
    assert.deepEqual(referencedSecrets('no references'), []);
    failure('COFFER_E_REFERENCE_INVALID', () => referencedSecrets('${secret:a b}', 'Config key x'));
  });
});

describe('errors', () => {
  test('a malformed reference names the secret and the position, never its text', () => {
    const cases: [string, number][] = [
      ['pw${vault:hunter2}', 3], ['${Secret:X}', 1], ['${secret:a-b}', 1], ['${secret:}', 1], ['xx${secret:X', 3],
      ['${secret:${secret:X}}', 1], ['${env:X:-default}', 1], ['${secret:1A}', 1], ['${env:A B}', 1], ['${aws:arn:x}', 1], ['ok ${foo:', 4],
    ];
    for (const [value, position] of cases) {
      const error = failure('COFFER_E_REFERENCE_INVALID', () => resolve({ API_URL: value }));
      assert.match(error.message, new RegExp(`^Secret API_URL has an unreadable reference at character ${position}: `), value);
      assert.match(error.message, /Write \$\{secret:NAME\} or \$\{env:NAME\}, or \$\$\{ for a literal \$\{\.$/);
      assert.deepEqual(error.details, { secret: 'API_URL', position });
      for (const fragment of ['hunter2', 'a-b', ':-default', 'aws', 'arn', 'foo', 'A B', 'Secret:']) assert.ok(!error.message.includes(fragment), `${value}: ${error.message}`);
    }
  });

  test('a missing target names the referring secret and the target', () => {
    const error = failure('COFFER_E_REFERENCE_MISSING', () => resolve({ A: '${secret:B}', B: 'x-${secret:GONE}' }));
    assert.equal(error.message, 'Secret B refers to ${secret:GONE}, but no secret GONE exists. Set GONE, or change the reference.');
    assert.deepEqual(error.details, { secret: 'B', reference: '${secret:GONE}', target: 'GONE', kind: 'secret' });
    const env = failure('COFFER_E_REFERENCE_MISSING', () => resolve({ A: '${env:HOME_DIR}' }));
    assert.equal(env.message, 'Secret A refers to ${env:HOME_DIR}, but the environment variable HOME_DIR is not set. Set it, or change the reference.');
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      failure('COFFER_E_REFERENCE_MISSING', () => resolve({ A: `\${env:${name}}` }));
    }
    const config = failure('COFFER_E_REFERENCE_MISSING', () => resolveValue('${secret:X}', { env: {}, label: 'Config key options.url' }));
    assert.match(config.message, /^Config key options\.url refers to \$\{secret:X\}/);
    assert.match(failure('COFFER_E_REFERENCE_MISSING', () => resolveValue('${secret:X}', { env: {} })).message, /^The value refers to/);
  });

  test('a cycle is named in order, self-references included', () => {
    assert.equal(failure('COFFER_E_REFERENCE_CYCLE', () => resolve({ A: '${secret:B}', B: '${secret:C}', C: 'c${secret:A}' })).message,
      'Secret references form a cycle: A -> B -> C -> A. Replace one of these references with a value.');
    assert.deepEqual(failure('COFFER_E_REFERENCE_CYCLE', () => resolve({ A: 'x${secret:A}' })).details, { cycle: ['A', 'A'] });
    assert.deepEqual(failure('COFFER_E_REFERENCE_CYCLE', () => resolve({ D: '${secret:A}', A: '${secret:B}', B: '${secret:A}' })).details, { cycle: ['A', 'B', 'A'] }, 'only the loop, not the way in');
    const stored: Record<string, string> = { OUT: '${secret:IN}' };
    assert.deepEqual(failure('COFFER_E_REFERENCE_CYCLE', () => resolve({ IN: '${secret:OUT}' }, { secret: (n) => stored[n] })).details, { cycle: ['IN', 'OUT', 'IN'] });
    assert.deepEqual(failure('COFFER_E_REFERENCE_CYCLE', () => resolveValue('${secret:A}', { env: {}, values: map({ A: '${secret:A}' }) })).details, { cycle: ['A', 'A'] });
  });

  test('an expansion past maxLength is refused, not built', () => {
    const entries: Record<string, string> = { L0: 'xxxxxxxxxxxxxxxx' };
    for (let i = 1; i <= 60; i++) entries[`L${i}`] = `\${secret:L${i - 1}}\${secret:L${i - 1}}`;
    const error = failure('COFFER_E_REFERENCE_INVALID', () => resolve(entries));
    assert.match(error.message, /^Secret L\d+ expands to more than 1048576 characters/);
    assert.equal(resolve({ A: 'abc', B: '${secret:A}${secret:A}' }, { maxLength: 6 }).B, 'abcabc');
    failure('COFFER_E_REFERENCE_INVALID', () => resolve({ A: 'abc', B: '${secret:A}${secret:A}' }, { maxLength: 5 }));
  });
});

describe('long chains', () => {
  const N = 10_000;
  const chain = (reverse: boolean) => {
    const entries: [string, string][] = [];
    for (let i = 0; i < N; i++) entries.push([`S${i}`, i === N - 1 ? 'end' : `\${secret:S${i + 1}}.`]);
    return new Map(reverse ? entries.reverse() : entries);
  };

  test('a chain of 10,000 references resolves without recursion, in either order', () => {
    for (const reverse of [false, true]) {
      const result = resolveReferences(chain(reverse), { env: {} });
      assert.equal(result.get('S0'), 'end' + '.'.repeat(N - 1));
      assert.equal(result.get(`S${N - 2}`), 'end.');
    }
    assert.equal(resolveValue('${secret:S0}', { env: {}, values: chain(false) }).length, 3 + N - 1);
    const stored = chain(false);
    assert.equal(resolveValue('${secret:S0}', { env: {}, secret: (n) => stored.get(n) }).length, 3 + N - 1);
  });

  test('a cycle of 10,000 secrets is named whole', () => {
    const loop = chain(false);
    loop.set(`S${N - 1}`, '${secret:S0}');
    const error = failure('COFFER_E_REFERENCE_CYCLE', () => resolveReferences(loop, { env: {} }));
    const cycle = error.details.cycle as string[];
    assert.equal(cycle.length, N + 1);
    assert.deepEqual([cycle[0], cycle[1], cycle.at(-2), cycle.at(-1)], ['S0', 'S1', `S${N - 1}`, 'S0']);
  });
});

// ---- properties ---------------------------------------------------------------------------

/** Text made of the characters that matter to the grammar, plus anything. */
const grammarText = fc.oneof(
  fc.string({ unit: fc.constantFrom('$', '{', '}', ':', 'secret', 'env', 'A', '_', '-', ' ', '\n', 'x'), maxLength: 24 }),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

const NAMES = ['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6'];
const ENV = { E0: 'e0-value', E1: '${secret:S0}', E2: '' };
/** Literal pieces that cannot form a malformed reference with their neighbours. */
const literalPiece = fc.constantFrom('a', 'bc', ' ', '$', '$$', '{', '}', '$VAR', '${VAR}', '${VAR:-d}', '$${', '$${secret:S0}', '$${env:E0}', '\n', 'é');

/** A random graph: for each name, a value of literals and references to any names. */
function graphArb(edgeTo: (index: number) => fc.Arbitrary<string> | undefined) {
  const envRef = fc.constantFrom('${env:E0}', '${env:E1}', '${env:E2}');
  return fc.integer({ min: 1, max: NAMES.length }).chain((n) => fc.tuple(
    ...NAMES.slice(0, n).map((_, index) => {
      const edge = edgeTo(index);
      const piece = edge === undefined
        ? fc.oneof({ weight: 3, arbitrary: literalPiece }, { weight: 1, arbitrary: envRef })
        : fc.oneof({ weight: 3, arbitrary: literalPiece }, { weight: 2, arbitrary: edge }, { weight: 1, arbitrary: envRef });
      return fc.array(piece, { maxLength: 6 }).map((pieces) => pieces.join(''));
    }),
  ).map((values) => values.map((value, index) => [NAMES[index] as string, value] as [string, string])));
}

/** Resolution as the grammar states it, independently: one regex, leftmost match first, memoized recursion. */
function naive(entries: ReadonlyMap<string, string>, env: Record<string, string>): Map<string, string> {
  const memo = new Map<string, string>();
  const value = (name: string): string => {
    const hit = memo.get(name);
    if (hit !== undefined) return hit;
    const raw = entries.get(name);
    assert.ok(raw !== undefined, `${name} is in the graph`);
    const out = raw.replace(/\$\$\{|\$\{(secret|env):([A-Za-z_][A-Za-z0-9_]*)\}/g, (match, kind?: string, ref?: string) => {
      if (match === '$${') return '${';
      return kind === 'env' ? (env[ref ?? ''] ?? assert.fail('env')) : value(ref ?? '');
    });
    memo.set(name, out);
    return out;
  };
  return new Map([...entries.keys()].map((name) => [name, value(name)]));
}

/** The edges of a graph (who refers to whom through ${secret:...}), found by the naive grammar. */
const edges = (entries: ReadonlyMap<string, string>) => new Map([...entries].map(([name, raw]) => [name, new Set([...raw.matchAll(/\$\$\{|\$\{secret:(S\d)\}/g)].flatMap((m) => (m[1] === undefined ? [] : [m[1]])))]));

describe('properties', () => {
  test('(1) text without $ is returned unchanged', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }).filter((t) => !t.includes('$')), (text) => {
      assert.equal(resolveValue(text, { env: {} }), text);
      assert.equal(hasReferences(text), false);
      assert.equal(resolveReferences(new Map([['A', text]]), { env: {} }).get('A'), text);
    }), RUNS);
  });

  test('(2) escaping any text, then resolving it, gives the text back', () => {
    fc.assert(fc.property(grammarText, (text) => {
      assert.equal(resolveValue(escapeReferences(text), { env: {}, secret: () => assert.fail('no reference survives escaping') }), text);
      assert.deepEqual(referencedSecrets(escapeReferences(text)), []);
    }), RUNS);
  });

  test('(3) acyclic graphs resolve like the naive resolver, from the map or through options.secret', () => {
    // Secret i refers only to secrets j > i, so the graph is acyclic; the map's order is shuffled.
    const acyclic = graphArb((index) => (index + 1 < NAMES.length ? fc.integer({ min: index + 1, max: NAMES.length - 1 }).map((j) => `\${secret:${NAMES[j]}}`) : undefined));
    fc.assert(fc.property(acyclic, fc.nat(), fc.func(fc.boolean()), (list, seed, inMap) => {
      const present = new Set(list.map(([name]) => name));
      const pruned = list.map(([name, value]) => [name, value.replace(/\$\{secret:(S\d)\}/g, (m, n: string) => (present.has(n) ? m : 'gone'))] as [string, string]);
      const all = new Map(pruned);
      const expected = naive(all, ENV);
      const shuffled = new Map([...pruned].sort((a, b) => ((a[0].charCodeAt(1) * 7 + seed) % 11) - ((b[0].charCodeAt(1) * 7 + seed) % 11)));
      assert.deepEqual(resolveReferences(shuffled, { env: ENV }), new Map([...shuffled.keys()].map((k) => [k, expected.get(k)])));
      // Some secrets only through the callback: those in the map must still come out the same.
      const mapPart = new Map([...shuffled].filter(([name], i) => i === 0 || inMap(name)));
      const got = resolveReferences(mapPart, { env: ENV, secret: (name) => all.get(name) });
      for (const [name, value] of got) assert.equal(value, expected.get(name), name);
    }), RUNS);
  });

  test('(4) graphs with a cycle always fail, naming a real cycle', () => {
    const anyEdge = () => fc.constantFrom(...NAMES).map((name) => `\${secret:${name}}`);
    const cyclic = fc.tuple(graphArb(anyEdge), fc.array(fc.nat(), { minLength: 1, maxLength: 4 })).map(([list, picks]) => {
      const entries = new Map(list);
      const names = [...entries.keys()];
      const loop = [...new Set(picks.map((p) => names[p % names.length] as string))];
      for (const [name, raw] of entries) entries.set(name, raw.replace(/\$\{secret:(S\d)\}/g, (m, n: string) => (entries.has(n) ? m : 'gone')));
      // The space keeps a trailing `$` from turning the added reference into an escape.
      loop.forEach((name, i) => entries.set(name, `${entries.get(name) ?? ''} \${secret:${loop[(i + 1) % loop.length]}}`));
      return entries;
    });
    fc.assert(fc.property(cyclic, (entries) => {
      const graph = edges(entries);
      const error = failure('COFFER_E_REFERENCE_CYCLE', () => resolveReferences(entries, { env: ENV }));
      const cycle = error.details.cycle as string[];
      assert.equal(error.message, `Secret references form a cycle: ${cycle.join(' -> ')}. Replace one of these references with a value.`);
      assert.ok(cycle.length >= 2, `a cycle has at least one edge: ${cycle.join(' -> ')}`);
      assert.equal(cycle[0], cycle.at(-1));
      assert.equal(new Set(cycle.slice(0, -1)).size, cycle.length - 1, 'each secret once');
      for (let i = 0; i + 1 < cycle.length; i++) assert.ok(graph.get(cycle[i] as string)?.has(cycle[i + 1] as string), `${cycle[i]} -> ${cycle[i + 1]} is an edge`);
    }), RUNS);
  });

  test('(5) no error message or detail ever contains a value', () => {
    const marker = fc.stringMatching(/^[a-z0-9]{6}$/).map((s) => `mk${s}`);
    const flaw = (m: string) => fc.constantFrom(`\${vault:${m}}`, `\${secret:${m}-x}`, `\${env:${m} x}`, `\${secret:${m}`, `\${${m}:x}`, '${secret:MISSING}', '${env:UNSET}');
    const piece = fc.tuple(marker, fc.nat(9)).chain(([m, kind]) => {
      if (kind < 4) return fc.constant(m);
      if (kind < 7) return fc.constantFrom(...NAMES).map((name) => `\${secret:${name}}`);
      if (kind < 8) return fc.constant('${env:E0}');
      return flaw(m);
    });
    const arb = fc.tuple(fc.integer({ min: 1, max: NAMES.length }), fc.array(fc.array(piece, { maxLength: 5 }), { minLength: NAMES.length, maxLength: NAMES.length }), marker)
      .map(([n, values, envMarker]) => ({ entries: new Map(values.slice(0, n).map((pieces, i) => [NAMES[i] as string, pieces.join('')])), envMarker }));
    fc.assert(fc.property(arb, ({ entries, envMarker }) => {
      const env = { E0: envMarker };
      // Markers stand for the content of values (references aside, a value is only markers).
      const markers = [...entries.values(), envMarker].flatMap((value) => value.match(/mk[a-z0-9]{6}/g) ?? []);
      for (const attempt of [() => resolveReferences(entries, { env }), () => resolveValue([...entries.values()].join('|'), { env, values: entries })]) {
        try {
          attempt();
        } catch (error) {
          assert.ok(isCofferError(error) && error.code.startsWith('COFFER_E_REFERENCE_'), String(error));
          const shown = `${error.message} ${JSON.stringify(error.details)}`;
          for (const m of markers) assert.ok(!shown.includes(m), `${m} leaked: ${shown}`);
        }
      }
    }), RUNS);
  });
});
