/**
 * Keyboard walks for the fast screen, found and estimated exactly as zxcvbn-ts does: maximal runs
 * of adjacent keys in one layout of @zxcvbn-ts/language-common (qwerty, azerty, qwertz, dvorak and
 * two keypads), counting turns (changes of direction) and shifted characters, with zxcvbn's guess
 * formula (starting keys x average degree^turns, summed over lengths and turn counts).
 */
import * as common from '@zxcvbn-ts/language-common';
import { choose } from './variations.js';

interface Graph {
  readonly keypad: boolean;
  /**
   * For a pair of ASCII codes (previous * 128 + next): 0 when not adjacent, else 1 + the index of
   * the neighbour slot holding `next` (zxcvbn's direction), plus 128 when `next` is the shifted
   * character of that slot.
   */
  readonly adjacency: Uint8Array;
  readonly keys: number;
  readonly averageDegree: number;
}

/** Characters zxcvbn counts as shifted on a keyboard (not on a keypad). */
const SHIFTED = /[~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:"ZXCVBNM<>?]/;
const SHIFTED_BIT = 128;

let graphs: readonly Graph[] | undefined;

function keyboardGraphs(): readonly Graph[] {
  graphs ??= Object.entries(common.adjacencyGraphs as Record<string, Record<string, (string | null)[]>>).map(([name, graph]) => {
    const adjacency = new Uint8Array(128 * 128);
    let degrees = 0;
    const keys = Object.keys(graph);
    for (const key of keys) {
      const slots = graph[key] ?? [];
      const from = key.charCodeAt(0);
      slots.forEach((slot, direction) => {
        if (slot === null || slot === undefined) return;
        degrees += 1;
        // zxcvbn takes the first slot containing the character; indexOf(char) === 1 means shifted.
        [...slot].forEach((char, position) => {
          const to = char.charCodeAt(0);
          if (from < 128 && to < 128 && adjacency[from * 128 + to] === 0) adjacency[from * 128 + to] = (direction + 1) | (position === 1 ? SHIFTED_BIT : 0);
        });
      });
    }
    return { keypad: name.includes('keypad'), adjacency, keys: keys.length, averageDegree: degrees / keys.length };
  });
  return graphs;
}

/** zxcvbn's estimate for a walk of `length` keys with `turns` turns and `shifted` shifted keys. */
function spatialGuesses(graph: Graph, length: number, turns: number, shifted: number): number {
  let guesses = 0;
  for (let i = 2; i <= length; i += 1) {
    for (let j = 1; j <= Math.min(turns, i - 1); j += 1) guesses += choose(i - 1, j - 1) * graph.keys * graph.averageDegree ** j;
  }
  if (shifted > 0) {
    const unshifted = length - shifted;
    if (unshifted === 0) guesses *= 2;
    else {
      let variations = 0;
      for (let i = 1; i <= Math.min(shifted, unshifted); i += 1) variations += choose(length, i);
      guesses *= variations;
    }
  }
  // zxcvbn rounds its estimate; rounding down keeps this a lower bound of it.
  return Math.max(Math.floor(guesses), 1);
}

/** Calls `found(i, j, log2Guesses)` for every keyboard walk of 3 or more keys in ASCII `value`. */
export function findKeyboardWalks(value: string, found: (i: number, j: number, log2Guesses: number) => void): void {
  const n = value.length;
  for (const graph of keyboardGraphs()) {
    let i = 0;
    while (i < n - 1) {
      let j = i + 1;
      let lastDirection = -1;
      let turns = 0;
      let shifted = !graph.keypad && SHIFTED.test(value.charAt(i)) ? 1 : 0;
      for (; j < n; j += 1) {
        const step = graph.adjacency[(value.charCodeAt(j - 1) & 0x7f) * 128 + (value.charCodeAt(j) & 0x7f)] ?? 0;
        if (step === 0) break;
        if ((step & SHIFTED_BIT) !== 0) shifted += 1;
        const direction = step & 0x7f;
        if (direction !== lastDirection) { turns += 1; lastDirection = direction; }
      }
      if (j - i > 2) found(i, j - 1, Math.log2(spatialGuesses(graph, j - i, turns, shifted)));
      i = j;
    }
  }
}
