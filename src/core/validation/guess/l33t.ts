/**
 * The l33t substitutions Coffer gives zxcvbn, and their inverse, which the fast screen uses to
 * read a token the way zxcvbn's l33t matcher can.
 *
 * The table is zxcvbn-ts's default with the multi-character substitutions (`|_|` for u, `/\/\`
 * for m, ...) left out: those are ASCII art nobody puts in a generated secret, and without them a
 * l33t token has exactly the length of its word, which lets the screen compare position by
 * position.
 */

/** Letter -> single-character substitutes (zxcvbn-ts default table without multi-character entries). */
export const L33T_TABLE: Readonly<Record<string, string[]>> = {
  a: ['4', '@'],
  b: ['8'],
  c: ['(', '{', '[', '<'],
  d: ['6'],
  e: ['3'],
  f: ['#'],
  g: ['6', '9', '&'],
  h: ['#'],
  i: ['1', '!', '|'],
  k: ['<'],
  l: ['!', '1', '|', '7'],
  o: ['0'],
  q: ['9'],
  s: ['$', '5'],
  t: ['+', '7'],
  v: ['<', '>', '/'],
  x: ['%'],
  z: ['2'],
};

/** Character -> the letters it may stand for in l33t (characters that substitute nothing are absent). */
export const L33T_READINGS: ReadonlyMap<string, readonly string[]> = (() => {
  const readings = new Map<string, string[]>();
  for (const [letter, subs] of Object.entries(L33T_TABLE)) {
    for (const sub of subs) readings.set(sub, [...(readings.get(sub) ?? []), letter]);
  }
  return readings;
})();
