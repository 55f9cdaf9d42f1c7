/**
 * Copies a child's output stream to coffer's own, masking secret values on the way. Bytes are
 * handled one character per byte (latin1) with a redactor built for UTF-8 bytes, so binary
 * output passes through unchanged, a multi-byte character cut between two reads needs no
 * decoder, and a value cut between reads is still masked (the redactor holds back only a tail
 * that could start a value). Back-pressure is kept: the child is paused while coffer's output is
 * full. When coffer's output goes away (a closed pipe), the child's stream is closed too, as in
 * a shell pipeline.
 */
import type { Readable, Writable } from 'node:stream';
import type { Redactor } from '../../core/redaction.js';

/** Per target, the sources piped into it now. */
const sources = new WeakMap<Writable, Set<Readable>>();

/** Pipes `source` to `target` through `redactor` (made with `input: 'utf8-bytes'`); resolves when all is written. */
export function pipeRedacted(source: Readable, target: Writable, redactor: Redactor): Promise<void> {
  // One listener per target for the whole run: a write error (EPIPE) destroys the target instead
  // of crashing coffer, and the next data from the child then closes the child's end.
  let active = sources.get(target);
  if (active === undefined) {
    const set = new Set<Readable>();
    sources.set(target, (active = set));
    target.on('error', () => {
      target.destroy();
      for (const s of set) s.destroy();
    });
  }
  active.add(source);
  const stream = redactor.stream();
  const write = (text: string): boolean => {
    if (target.destroyed) {
      source.destroy();
      return true;
    }
    return text === '' || target.write(Buffer.from(text, 'latin1'));
  };
  return new Promise((resolve) => {
    let done = false;
    source.on('data', (chunk: Buffer) => {
      if (!write(stream.push(chunk.toString('latin1')))) {
        source.pause();
        target.once('drain', () => source.resume());
      }
    });
    const finish = () => {
      if (done) return;
      done = true;
      active.delete(source);
      write(stream.flush());
      resolve();
    };
    source.once('end', finish);
    // A read error or a destroyed source ends the copy; what was held back is still written, masked.
    source.once('close', finish);
  });
}
