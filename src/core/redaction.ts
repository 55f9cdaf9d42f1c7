/**
 * Masks known secret values in text: whole strings (`redact`) and streams of chunks (`stream`),
 * for `coffer run`'s view of a child's output and the client's logger.
 *
 * What is masked: every value at least `minLength` characters long (default 6), in the forms in
 * which values commonly reach logs: the value itself, its JSON string escape (`"` -> `\"`,
 * newline -> `\n`, ...), its percent-encoding (`encodeURIComponent`) and its form encoding
 * (`application/x-www-form-urlencoded`, space -> `+`). Not covered: base64 or hex of a value
 * (their text depends on what surrounds the value), other case variants of percent-encoding,
 * and values split by something else (a value printed with a line break inside it by a wrapper).
 *
 * Why a minimum length: a value such as `dev`, `true` or `3000` occurs in ordinary output so
 * often that masking it everywhere would make the output unreadable, and a value that short is
 * not a secret that any policy accepts. Shorter values are skipped silently: saying which ones
 * would point at them.
 *
 * How: every form of every value goes into one radix tree, and the text is scanned once, left to
 * right; at each position the longest form that starts there is masked (so of two overlapping
 * values, the longer wins, and the scan resumes after it). A table of first characters skips
 * positions where no value starts. Cost is linear in the text for ordinary output and at worst
 * proportional to the text times the longest common prefix of the text and a value.
 *
 * The mask is a fixed token, `[REDACTED:NAME]` for a named value and `[REDACTED]` for a bare one,
 * so it tells a reader which secret was there (names are not secret) without revealing its length.
 *
 * @example
 * const redactor = createRedactor([{ name: 'DB_PASSWORD', value: password }]);
 * redactor.redact(`connecting with ${password}`); // 'connecting with [REDACTED:DB_PASSWORD]'
 * const s = redactor.stream();
 * out.write(s.push(chunk)); ... out.write(s.flush());
 */

/** A value to mask, bare or with the name shown in its mask. */
export type RedactionValue = string | { readonly name: string; readonly value: string };

/** Options of {@link createRedactor}. */
export interface RedactorOptions {
  /**
   * The text that replaces a value: a fixed string, or a function of the value's name (undefined
   * for a bare value). Default `[REDACTED:NAME]`, or `[REDACTED]` without a name.
   */
  readonly mask?: string | ((name: string | undefined) => string);
  /** Values shorter than this many characters (UTF-16 code units) are not masked; default 6, at least 1. */
  readonly minLength?: number;
  /**
   * What the text given to `redact` and `push` is: `text` (default), or `utf8-bytes`, raw bytes
   * decoded one byte per character (`buffer.toString('latin1')`). With `utf8-bytes` every form
   * and mask is matched and written as its UTF-8 bytes, so output that is not valid UTF-8 (binary
   * data) passes through byte for byte, and a multi-byte character cut between two chunks needs
   * no decoder; turn the result back into bytes with `Buffer.from(out, 'latin1')`.
   */
  readonly input?: 'text' | 'utf8-bytes';
}

/** Masks values in chunks of one stream; see {@link Redactor.stream}. */
export interface RedactionStream {
  /**
   * Takes the next chunk and returns the masked text that is final. A tail that could be the
   * start of a value (at most the longest form's length minus one) is held until the next chunk.
   */
  push(chunk: string): string;
  /** Returns the masked held tail; the stream starts afresh afterwards. */
  flush(): string;
  /**
   * How many characters `push` is holding back now (0: all its input is out). A caller that
   * writes to a live reader uses it to flush after a silence, so that a prompt ending in what
   * could start a value is not held until the next chunk.
   */
  readonly held: number;
}

/** The redactor made by {@link createRedactor}. */
export interface Redactor {
  /** `text` with every form of every value replaced by its mask. */
  redact(text: string): string;
  /**
   * A new stream state. The concatenated output of its `push` calls and `flush` equals
   * `redact` of the concatenated input, however the input is cut into chunks.
   */
  stream(): RedactionStream;
  /** How many distinct values are masked (skipped short values not counted). */
  readonly size: number;
}

/** Default minimum length of a masked value. */
export const DEFAULT_MIN_REDACT_LENGTH = 6;

interface Node {
  edges: Map<number, Edge> | undefined;
  /** The mask of the form that ends here, if one does. */
  mask: string | undefined;
}

interface Edge {
  label: string;
  node: Node;
}

/** Builds a redactor for `values`; see the module comment. */
export function createRedactor(values: Iterable<RedactionValue>, options: RedactorOptions = {}): Redactor {
  const minLength = Math.max(1, options.minLength ?? DEFAULT_MIN_REDACT_LENGTH);
  const maskOf = typeof options.mask === 'function' ? options.mask : options.mask === undefined ? defaultMask : () => options.mask as string;
  const root: Node = { edges: undefined, mask: undefined };
  const starts = new Uint8Array(65536);
  const kept = new Map<string, string>();
  for (const item of values) {
    const { name, value } = typeof item === 'string' ? { name: undefined, value: item } : item;
    if (value.length < minLength || kept.has(value)) continue;
    kept.set(value, maskOf(name));
  }
  const as = options.input === 'utf8-bytes' ? utf8Bytes : (text: string) => text;
  // Every value before any encoded form, so when a form equals another value that value's mask wins.
  for (const [value, mask] of kept) insert(root, starts, as(value), as(mask));
  for (const [value, mask] of kept) for (const form of encodedForms(value)) insert(root, starts, as(form), as(mask));
  const scan = (text: string, final: boolean) => scanText(root, starts, text, final);
  return {
    redact: (text) => scan(text, true).out,
    stream: () => {
      let held = '';
      return {
        push(chunk) {
          const { out, rest } = scan(held + chunk, false);
          held = rest;
          return out;
        },
        flush() {
          const { out } = scan(held, true);
          held = '';
          return out;
        },
        get held() {
          return held.length;
        },
      };
    },
    size: kept.size,
  };
}

function defaultMask(name: string | undefined): string {
  return name === undefined ? '[REDACTED]' : `[REDACTED:${name}]`;
}

/** The encodings of `value` that differ from it (see the module comment). */
function encodedForms(value: string): string[] {
  const forms = new Set<string>([JSON.stringify(value).slice(1, -1)]);
  try {
    forms.add(encodeURIComponent(value));
    forms.add(new URLSearchParams([['', value]]).toString().slice(1));
  } catch {
    // A lone surrogate has no percent-encoding; only the other forms apply.
  }
  forms.delete(value);
  return [...forms];
}

/** `text`'s UTF-8 bytes, one character per byte (what `Buffer#toString('latin1')` gives). */
function utf8Bytes(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}

function insert(root: Node, starts: Uint8Array, form: string, mask: string): void {
  starts[form.charCodeAt(0)] = 1;
  let node = root;
  let i = 0;
  for (;;) {
    if (i === form.length) {
      node.mask ??= mask;
      return;
    }
    const code = form.charCodeAt(i);
    node.edges ??= new Map();
    const edge = node.edges.get(code);
    if (edge === undefined) {
      node.edges.set(code, { label: form.slice(i), node: { edges: undefined, mask } });
      return;
    }
    let k = 1;
    while (k < edge.label.length && i + k < form.length && edge.label.charCodeAt(k) === form.charCodeAt(i + k)) k++;
    if (k < edge.label.length) {
      // Split the edge where the new form leaves it.
      const middle: Node = { edges: new Map([[edge.label.charCodeAt(k), { label: edge.label.slice(k), node: edge.node }]]), mask: undefined };
      edge.label = edge.label.slice(0, k);
      edge.node = middle;
    }
    node = edge.node;
    i += k;
  }
}

/**
 * Masks `text`. When `final` is false, stops at the first position whose decision could change
 * with more text (the rest of the text is a proper prefix of some form) and returns that tail.
 */
function scanText(root: Node, starts: Uint8Array, text: string, final: boolean): { out: string; rest: string } {
  const parts: string[] = [];
  let copied = 0;
  let p = 0;
  const end = text.length;
  while (p < end) {
    if (starts[text.charCodeAt(p)] === 0) {
      p++;
      continue;
    }
    const length = longestAt(root, text, p, end);
    if (match.open && !final) break;
    if (length === 0) {
      p++;
      continue;
    }
    parts.push(text.slice(copied, p), match.mask);
    p += length;
    copied = p;
  }
  parts.push(text.slice(copied, p));
  return { out: parts.join(''), rest: text.slice(p) };
}

/** Side results of {@link longestAt}, kept in one object so the hot loop allocates nothing. */
const match = { mask: '', open: false };

/**
 * The length of the longest form starting at `p` (0 if none); sets `match.mask` to its mask and
 * `match.open` to whether a longer form could still match if the text went on past `end`.
 */
function longestAt(root: Node, text: string, p: number, end: number): number {
  let node = root;
  let i = p;
  let length = 0;
  match.open = false;
  for (;;) {
    if (node.mask !== undefined) {
      length = i - p;
      match.mask = node.mask;
    }
    if (i === end) {
      match.open = node.edges !== undefined;
      return length;
    }
    const edge = node.edges?.get(text.charCodeAt(i));
    if (edge === undefined) return length;
    const label = edge.label;
    let k = 1;
    while (k < label.length && i + k < end && text.charCodeAt(i + k) === label.charCodeAt(k)) k++;
    if (k < label.length) {
      match.open = i + k === end;
      return length;
    }
    node = edge.node;
    i += k;
  }
}
