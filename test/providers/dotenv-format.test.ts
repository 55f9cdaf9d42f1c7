/**
 * The dotenv reader and writer against the real readers: property tests that whatever Coffer
 * writes, `dotenv.parse` and docker compose's parser (modelled in _compose-dotenv.ts) read back
 * unchanged; that on every file it accepts, the reader agrees with `dotenv.parse` exactly; and
 * fixed cases for the syntax users write (compose-style `KEY: value`, `export`, comments, CRLF).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import dotenv from 'dotenv';
import { isCofferError } from '../../src/core/errors.js';
import { parseDotenv, quoteDotenvValue, removeEntry, serializeDotenv, setEntries, type DotenvDocument } from '../../src/providers/_dotenv-format.js';
import { parseComposeEnv } from './_compose-dotenv.js';

const RUNS = { numRuns: 400 };
const asMap = (doc: DotenvDocument) => new Map(doc.entries.map((entry) => [entry.name, entry.value]));
const dotenvMap = (text: string) => new Map(Object.entries(dotenv.parse(Buffer.from(text, 'utf8'))));
const empty = () => parseDotenv('', 'test.env');

const validName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,10}$/).filter((name) => name !== '__proto__');
const specials = ["'", '"', '`', '\\', '$', '#', ' ', '\t', '\n', '\r', '\0', 'n', 'r', 'a', '=', ':', '\u2028', '\u00a0', '\ufeff', '\uD800', '\uDC00', 'é', '🔑'];
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom(...specials), maxLength: 16 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ maxLength: 30 }),
);

/** The writing rule of docs/providers/dotenv.md, stated independently of the implementation. */
function writable(name: string, text: string): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name) || name === '__proto__') return false;
  if (/[\0\r]/.test(text) || /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)) return false;
  if (!text.includes("'")) return !text.endsWith('\\');
  return !/[\\$"\n]/.test(text);
}

describe('writer', () => {
  test('an accepted value is read back unchanged by dotenv, docker compose and parseDotenv; a refused one is COFFER_E_UNSAFE_VALUE', () => {
    fc.assert(fc.property(fc.oneof(validName, fc.string({ maxLength: 6 })), value, (name, text) => {
      let written: string;
      try {
        written = serializeDotenv(setEntries(empty(), [{ name, value: text }]));
      } catch (error) {
        assert.ok(isCofferError(error, 'COFFER_E_UNSAFE_VALUE'), String(error));
        assert.ok(!writable(name, text), `refused a writable value: ${JSON.stringify(text)}`);
        return;
      }
      assert.ok(writable(name, text), `accepted an unwritable value: ${JSON.stringify(text)}`);
      assert.equal(dotenvMap(written).get(name), text);
      assert.equal(parseComposeEnv(written).get(name), text);
      assert.equal(asMap(parseDotenv(written, 'f')).get(name), text);
    }), { numRuns: 2000 });
  });

  test('writes into an existing file change only their entries, as dotenv reads it', () => {
    fc.assert(fc.property(dotenvFile(), fc.array(fc.record({ name: validName, value }), { maxLength: 4 }), (text, writes) => {
      const doc = parseDotenv(text, 'f');
      let next: DotenvDocument;
      try {
        next = setEntries(doc, writes);
      } catch (error) {
        assert.ok(isCofferError(error, 'COFFER_E_UNSAFE_VALUE'), String(error));
        return;
      }
      const expected = asMap(doc);
      for (const write of writes) expected.set(write.name, write.value);
      assert.deepEqual(dotenvMap(serializeDotenv(next)), expected);
      const removed = writes[0] === undefined ? next : removeEntry(next, writes[0].name);
      if (writes[0]) expected.delete(writes[0].name);
      assert.deepEqual(dotenvMap(serializeDotenv(removed)), expected);
    }), RUNS);
  });

  test('fixed cases: the quoting chosen for each kind of value', () => {
    assert.equal(quoteDotenvValue('A', 'p#ss $word "x" \\ \n'), "'p#ss $word \"x\" \\ \n'");
    assert.equal(quoteDotenvValue('A', "it's #1"), '"it\'s #1"');
    assert.equal(quoteDotenvValue('A', ''), "''");
    assert.throws(() => quoteDotenvValue('A', "it's $HOME"), (error) => isCofferError(error, 'COFFER_E_UNSAFE_VALUE') && error.message.startsWith("A: the value contains a single quote (') together with a dollar sign ($) and cannot"));
  });
});

describe('reader', () => {
  test('agrees with dotenv.parse on generated files of comments, blanks, export lines and quoted or unquoted values', () => {
    fc.assert(fc.property(dotenvFile(), (text) => {
      const doc = parseDotenv(text, 'f');
      assert.deepEqual(asMap(doc), dotenvMap(text));
      assert.equal(serializeDotenv(doc), text);
    }), { numRuns: 1000 });
  });

  test('on any text, either refuses with COFFER_E_DOTENV_SYNTAX or agrees with dotenv.parse', () => {
    const tokens = ['export ', 'KEY', 'b.c-d', '_x', '1', '__proto__', '=', ' = ', ': ', ':', "'", '"', '`', '\\', '\\n', '#', ' # c', ' ', '\t', 'v', 'a b', '$', '\u2028', '\ufeff', '\n', '\n', '\r\n', '\r'];
    fc.assert(fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 30 }), (parts) => {
      const text = parts.join('');
      let doc: DotenvDocument;
      try {
        doc = parseDotenv(text, 'f');
      } catch (error) {
        assert.ok(isCofferError(error, 'COFFER_E_DOTENV_SYNTAX'), String(error));
        return;
      }
      assert.deepEqual(asMap(doc), dotenvMap(text), JSON.stringify(text));
      assert.equal(serializeDotenv(doc), text);
    }), { numRuns: 5000 });
  });

  test('compose-style and everyday inputs read as dotenv reads them', () => {
    const text = [
      '\ufeff# Set Rails/Rack environment',
      'RACK_ENV=development',
      'VAR="quoted"',
      "SINGLE='single quoted # not a comment'",
      'YAML_STYLE: yaml-style value',
      'export EXPORTED=exported',
      '  INDENTED = spaced out  ',
      'INLINE=value # comment',
      'HASH=a#b',
      'AFTER_QUOTE="x" # comment',
      'MULTI="first',
      'second\\nthird"',
      'BACKTICK=`it\'s "both"`',
      'EMPTY=',
      'EMPTY_QUOTED=""',
      'DOLLAR=$OTHER',
      'DUP=first',
      'DUP=last',
      '',
    ].join('\r\n');
    const doc = parseDotenv(text, 'f');
    assert.deepEqual(asMap(doc), dotenvMap(text));
    assert.deepEqual(Object.fromEntries(asMap(doc)), {
      RACK_ENV: 'development', VAR: 'quoted', SINGLE: 'single quoted # not a comment', YAML_STYLE: 'yaml-style value',
      EXPORTED: 'exported', INDENTED: 'spaced out', INLINE: 'value', HASH: 'a', AFTER_QUOTE: 'x',
      MULTI: 'first\nsecond\nthird', BACKTICK: 'it\'s "both"', EMPTY: '', EMPTY_QUOTED: '', DOLLAR: '$OTHER', DUP: 'last',
    });
    assert.equal(doc.entries.find((entry) => entry.name === 'DUP')?.line, 18);
  });

  test('what dotenv would misread is an error naming file and line, never the text', () => {
    const cases: [string, number][] = [
      ['A=1\nnot an assignment secret\n', 2],
      ['A=1\n1BAD=secret\n', 2],
      ['A="unterminated secret\nB=2\n', 1],
      ["A='x' secret\n", 1],
      ['A:\nB=secret\n', 1],
      ['A=\n  "secret"\n', 2],
      ['KEY : secret\n', 1],
      ['# note\u2028B=secret\n', 1],
      ['__proto__=secret\n', 1],
    ];
    for (const [text, line] of cases) {
      assert.throws(() => parseDotenv(text, '/p/.env'), (error) => {
        assert.ok(isCofferError(error, 'COFFER_E_DOTENV_SYNTAX'), String(error));
        assert.ok(error.message.startsWith(`/p/.env:${line}: `), `${JSON.stringify(text)}: ${error.message}`);
        assert.ok(!error.message.includes('secret'), error.message);
        assert.deepEqual(error.details, { file: '/p/.env', line });
        return true;
      });
    }
  });

  test('metadata comes from a # coffer: comment directly above the entry', () => {
    const doc = parseDotenv('# coffer: updated=2025-01-01T00:00:00.000Z rotate-by=2025-04-01 extra=1\nA=1\n# coffer: updated=2025-01-01\n\nB=2\n# coffer: updated=not-a-date\nC=3\n', 'f');
    assert.deepEqual(doc.entries.map((entry) => entry.metadata), [{ updatedAt: '2025-01-01T00:00:00.000Z', rotateBy: '2025-04-01' }, {}, {}]);
    const rewritten = serializeDotenv(setEntries(doc, [{ name: 'B', value: 'x', metadata: { rotateBy: '2026-01-01T00:00:00Z' } }]));
    assert.equal(rewritten, "# coffer: updated=2025-01-01T00:00:00.000Z rotate-by=2025-04-01 extra=1\nA=1\n# coffer: updated=2025-01-01\n\n# coffer: rotate-by=2026-01-01T00:00:00Z\nB='x'\n# coffer: updated=not-a-date\nC=3\n");
    assert.throws(() => setEntries(doc, [{ name: 'A', value: 'x', metadata: { updatedAt: 'soon\nB=1' } }]), (error) => isCofferError(error, 'COFFER_E_UNSAFE_VALUE'));
  });

  test('appending after a stray # coffer: comment does not give the new entry its metadata', () => {
    const doc = setEntries(parseDotenv('A=1\n# coffer: updated=2025-01-01', 'f'), [{ name: 'B', value: 'b' }]);
    assert.deepEqual(doc.entries.find((entry) => entry.name === 'B')?.metadata, {});
  });
});

/** Generates dotenv files made of the constructs users write, each one dotenv reads as intended. */
function dotenvFile(): fc.Arbitrary<string> {
  const safe = (exclude: string) => fc.string({ unit: fc.constantFrom(...['a', 'Z', '0', ' ', '\t', '$', '=', ':', '\\', 'n', '"', "'", '`', '#', 'é', '🔑', '\n'].filter((c) => !exclude.includes(c))), maxLength: 10 });
  const ws = fc.constantFrom('', ' ', '  ', '\t');
  const comment = fc.tuple(ws, safe('\n')).map(([indent, text]) => `${indent}#${text}`);
  const unquoted = fc.tuple(fc.constantFrom('a', 'Z', '0', '$', '\\'), safe("#\n"), fc.option(safe('\n'), { nil: undefined })).map(([first, rest, note]) => `${first}${rest}${note === undefined ? '' : ` #${note}`}`);
  // A body ending in a backslash is left out: dotenv may then close the value at a later quote.
  const quoted = (q: string) => fc.tuple(safe(q).filter((body) => !body.endsWith('\\')), ws, fc.option(safe('\n'), { nil: undefined })).map(([body, space, note]) => `${q}${body}${q}${space}${note === undefined ? '' : `#${note}`}`);
  const assignment = fc
    .tuple(ws, fc.boolean(), validName, fc.constantFrom('=', ' = ', '= ', ': ', ':\t'), fc.oneof(unquoted, quoted("'"), quoted('"'), quoted('`'), fc.constant('')))
    .map(([indent, exported, name, sep, rhs]) => `${indent}${exported ? 'export ' : ''}${name}${sep}${rhs}`);
  const line = fc.oneof(comment, ws, assignment, assignment);
  return fc.tuple(fc.array(line, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), fc.boolean()).map(([lines, eol, final]) => lines.join(eol) + (final ? eol : ''));
}
