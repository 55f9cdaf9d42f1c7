/**
 * The redactor: whole-text and streaming masking agree for any cut of the input into chunks,
 * no value survives, the longest of overlapping values wins, encoded forms are masked, short
 * values are left alone, the stream holds back no more than it must, and 1,000 values over a
 * large text give the same result as a naive reference.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRedactor, type RedactionValue } from '../../src/core/redaction.js';

/** Cuts `text` at the given fractions (any order, duplicates allowed). */
function cut(text: string, fractions: readonly number[]): string[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * (text.length + 1))))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(text.slice(last, p));
    last = p;
  }
  chunks.push(text.slice(last));
  return chunks;
}

/** The masked values with the mask of the first name given for each, as the redactor picks them. */
function firstNamed(values: readonly string[], minLength: number, name: (i: number) => string): { value: string; mask: string }[] {
  const masks = new Map<string, string>();
  values.forEach((value, i) => {
    if (value.length >= minLength && !masks.has(value)) masks.set(value, `[REDACTED:${name(i)}]`);
  });
  return [...masks].map(([value, mask]) => ({ value, mask }));
}

/** Leftmost-longest masking by brute force, the reference the redactor must agree with. */
function naive(text: string, values: readonly { value: string; mask: string }[]): string {
  const sorted = [...values].sort((a, b) => b.value.length - a.value.length);
  let out = '';
  let p = 0;
  while (p < text.length) {
    const hit = sorted.find((v) => text.startsWith(v.value, p));
    if (hit) {
      out += hit.mask;
      p += hit.value.length;
    } else {
      out += text[p];
      p++;
    }
  }
  return out;
}

// Values and text drawn from a small lower-case alphabet, so values overlap, share prefixes and
// suffixes and occur by chance; masks are upper case, so a value can never hide inside a mask.
const unit = fc.constantFrom('a', 'b', 'c', '🔑');
const valueArb = fc.string({ unit, minLength: 1, maxLength: 9 });
const scenario = fc.record({
  values: fc.array(valueArb, { minLength: 1, maxLength: 8 }),
  pieces: fc.array(fc.oneof(fc.string({ unit, maxLength: 6 }), fc.nat(7)), { maxLength: 12 }),
  fractions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }),
  minLength: fc.integer({ min: 1, max: 4 }),
});
const textOf = (values: readonly string[], pieces: readonly (string | number)[]) =>
  pieces.map((p) => (typeof p === 'number' ? values[p % values.length] : p)).join('');

describe('redactor properties', () => {
  test('for any values, text and chunking, the stream output equals redact(text) and holds no value', () => {
    fc.assert(fc.property(scenario, ({ values, pieces, fractions, minLength }) => {
      const redactor = createRedactor(values.map((value, i) => ({ name: `V${i}`, value })), { minLength });
      const text = textOf(values, pieces);
      const whole = redactor.redact(text);
      const stream = redactor.stream();
      const streamed = cut(text, fractions).map((c) => stream.push(c)).join('') + stream.flush();
      assert.equal(streamed, whole);
      for (const v of values) if (v.length >= minLength) assert.ok(!whole.includes(v), `value ${JSON.stringify(v)} survived in ${JSON.stringify(whole)}`);
      assert.equal(whole, naive(text, firstNamed(values, minLength, (i) => `V${i}`)));
    }), { numRuns: 2000 });
  });

  test('the stream holds back less than the longest value', () => {
    fc.assert(fc.property(scenario, ({ values, pieces, fractions }) => {
      // A one-character mask never lengthens text, so what flush() returns bounds what was held.
      const redactor = createRedactor(values, { minLength: 1, mask: '#' });
      const longest = Math.max(...values.map((v) => v.length));
      const chunks = cut(textOf(values, pieces), fractions);
      for (let k = 1; k <= chunks.length; k++) {
        const stream = redactor.stream();
        for (const chunk of chunks.slice(0, k)) stream.push(chunk);
        const held = stream.held;
        assert.ok(held <= longest - 1);
        assert.ok(stream.flush().length <= held, 'held counts what flush() writes');
        assert.equal(stream.held, 0);
      }
    }), { numRuns: 1000 });
  });

  test('a value split across many chunks, one character at a time, is still masked', () => {
    const secret = 'S3cr3t-value-that-must-not-leak';
    const stream = createRedactor([{ name: 'API_KEY', value: secret }]).stream();
    const out = [...`before ${secret} after\n`].map((c) => stream.push(c)).join('') + stream.flush();
    assert.equal(out, 'before [REDACTED:API_KEY] after\n');
  });

  test('text that cannot start a value is released at once', () => {
    const stream = createRedactor(['xyz-secret-1']).stream();
    assert.equal(stream.push('Ready\n'), 'Ready\n');
    assert.equal(stream.held, 0);
    assert.equal(stream.push('waiting for xy'), 'waiting for ');
    assert.equal(stream.held, 2, 'the tail that could start the value');
    assert.equal(stream.push('z-secret-1!'), '[REDACTED]!');
    assert.equal(stream.held, 0);
    assert.equal(stream.flush(), '');
  });
});

describe('matching', () => {
  test('the longest of overlapping values wins, whichever is given first', () => {
    for (const order of [['abcdef', 'abcdefgh'], ['abcdefgh', 'abcdef']]) {
      const r = createRedactor(order.map((value) => ({ name: value.length === 6 ? 'SHORT' : 'LONG', value })));
      assert.equal(r.redact('x abcdefgh y abcdef z'), 'x [REDACTED:LONG] y [REDACTED:SHORT] z');
    }
    const suffix = createRedactor([{ name: 'TAIL', value: 'cdefgh' }, { name: 'WHOLE', value: 'abcdefgh' }]);
    assert.equal(suffix.redact('abcdefgh zcdefgh'), '[REDACTED:WHOLE] z[REDACTED:TAIL]');
    // Overlapping but neither inside the other: the leftmost is masked, and neither survives whole.
    const chained = createRedactor(['abcdef', 'defghi']);
    assert.equal(chained.redact('abcdefghi'), '[REDACTED]ghi');
  });

  test('values shorter than minLength are not masked, and size counts distinct masked values', () => {
    const r = createRedactor(['dev', 'true', 'hunter2', 'hunter2', 'secret']);
    assert.equal(r.size, 2);
    assert.equal(r.redact('dev true hunter2 secret'), 'dev true [REDACTED] [REDACTED]');
    assert.equal(createRedactor(['abc'], { minLength: 3 }).redact('xabcx'), 'x[REDACTED]x');
    assert.equal(createRedactor([''], { minLength: 0 }).redact('text'), 'text');
  });

  test('equal values under two names are masked with the first name', () => {
    const r = createRedactor([{ name: 'A', value: 'same-value' }, { name: 'B', value: 'same-value' }]);
    assert.equal(r.size, 1);
    assert.equal(r.redact('same-value'), '[REDACTED:A]');
  });

  test('the mask can be a fixed string or a function of the name', () => {
    assert.equal(createRedactor([{ name: 'X', value: 'value-123' }], { mask: '****' }).redact('a value-123 b'), 'a **** b');
    assert.equal(createRedactor([{ name: 'X', value: 'value-123' }, 'other-value'], { mask: (n) => `<${n ?? '?'}>` }).redact('value-123 other-value'), '<X> <?>');
  });
});

describe('encoded forms', () => {
  const value = 'p@ss "word"\n&key=/x+y%z é';
  const r = createRedactor([{ name: 'PW', value }]);

  test('JSON-escaped, percent-encoded and form-encoded forms are masked', () => {
    const json = JSON.stringify({ password: value });
    assert.equal(r.redact(json), '{"password":"[REDACTED:PW]"}');
    assert.equal(r.redact(`GET /login?pw=${encodeURIComponent(value)}&a=1`), 'GET /login?pw=[REDACTED:PW]&a=1');
    assert.equal(r.redact(new URLSearchParams({ pw: value, a: '1' }).toString()), 'pw=[REDACTED:PW]&a=1');
    assert.equal(r.redact(`raw: ${value}.`), 'raw: [REDACTED:PW].');
  });

  test('encoded forms are masked across chunk boundaries too', () => {
    const text = `{"pw":${JSON.stringify(value)}} ${encodeURIComponent(value)}`;
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }), (fractions) => {
      const s = r.stream();
      assert.equal(cut(text, fractions).map((c) => s.push(c)).join('') + s.flush(), '{"pw":"[REDACTED:PW]"} [REDACTED:PW]');
    }));
  });

  test('a value with a lone surrogate is masked in its raw and JSON forms', () => {
    const odd = 'abc\uD800defgh';
    const rr = createRedactor([odd]);
    assert.equal(rr.redact(`${odd} ${JSON.stringify(odd)}`), '[REDACTED] "[REDACTED]"');
  });
});

describe('utf8-bytes input', () => {
  const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
  test('any bytes pass through unchanged except values, which are masked however the bytes are cut', () => {
    const values = ['pässwörd-🔑', 'ключ-секрет'];
    const r = createRedactor(values.map((value, i) => ({ name: `K${i}`, value })), { input: 'utf8-bytes' });
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.constantFrom(...values.map((v) => new Uint8Array(Buffer.from(v))))), { maxLength: 8 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }),
      (parts, fractions) => {
        const bytes = Buffer.concat(parts);
        const text = latin1(bytes);
        const s = r.stream();
        const out = cut(text, fractions).map((c) => s.push(c)).join('') + s.flush();
        assert.equal(out, r.redact(text));
        const back = Buffer.from(out, 'latin1');
        for (const v of values) assert.ok(!back.includes(Buffer.from(v)), 'a value survived');
        if (!values.some((v) => bytes.includes(Buffer.from(v)))) assert.ok(back.equals(bytes), 'bytes without a value changed');
      },
    ), { numRuns: 1000 });
  });

  test('masks and encoded forms are written as UTF-8 bytes', () => {
    const r = createRedactor([{ name: 'PW', value: 'mot de passe é' }], { input: 'utf8-bytes', mask: '«masqué»' });
    // A lone 0xff byte (not UTF-8) stays as it is next to the masks.
    const bytes = Buffer.concat([Buffer.from(`a ${encodeURIComponent('mot de passe é')} `), Buffer.from([0xff]), Buffer.from(` ${JSON.stringify('mot de passe é')}`)]);
    const out = Buffer.from(r.redact(bytes.toString('latin1')), 'latin1');
    assert.ok(out.equals(Buffer.concat([Buffer.from('a «masqué» '), Buffer.from([0xff]), Buffer.from(' "«masqué»"')])), out.toString('utf8'));
  });
});

describe('scale', () => {
  test('1,000 values over a large text match the naive reference, whole and streamed', () => {
    const rng = fc.sample(fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789_-'), minLength: 32, maxLength: 64 }), { numRuns: 1000, seed: 42 });
    // Values that share long prefixes (like API keys with a common `sk_live_` start) stress the tree.
    const values = rng.map((v, i) => (i % 3 === 0 ? `sk_live_${v}` : v));
    const named = values.map((value, i): RedactionValue => ({ name: `S${i}`, value }));
    const r = createRedactor(named);
    assert.equal(r.size, new Set(values).size);
    const lines: string[] = [];
    for (let i = 0; i < 4000; i++) lines.push(`line ${i} sk_live_ ${values[(i * 7919) % values.length]} ${(values[i % values.length] ?? '').slice(0, 20)} done`);
    const text = lines.join('\n');
    const expected = naive(text, firstNamed(values, 6, (i) => `S${i}`));
    assert.equal(r.redact(text), expected);
    const s = r.stream();
    let out = '';
    for (let i = 0; i < text.length; i += 4093) out += s.push(text.slice(i, i + 4093));
    assert.equal(out + s.flush(), expected);
    for (const v of values) assert.ok(!expected.includes(v));
  });
});
