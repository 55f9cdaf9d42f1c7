/**
 * Copies a child's output stream to coffer's own, masking secret values on the way. Bytes are
 * handled one character per byte (latin1) with a redactor built for UTF-8 bytes, so binary
 * output passes through unchanged, a multi-byte character cut between two reads needs no
 * decoder, and a value cut between reads is still masked (the redactor holds back only a tail
 * that could start a value). Back-pressure is kept: the child is paused while coffer's output is
 * full. When coffer's output goes away (a closed pipe), the child's stream is closed too, as in
 * a shell pipeline.
 *
 * A held tail is written, masked, after {@link IDLE_FLUSH_MS} of silence: a prompt such as
 * `Password? x` whose last characters could start a value would otherwise stay hidden until the
 * child writes again, which it will not do before the user answers. Pieces of one value written
 * within that window are still masked; before flushing, coffer also reads whatever output is
 * already waiting, so a busy coffer does not mistake its own delay for the child's silence, and
 * it never flushes while the child's stream is paused (there may be more queued behind it).
 * Only a terminal gets the idle flush: someone may be waiting at a prompt there. A pipe or a
 * file (a CI log, which outlives the run) never does, since a child that pauses longer than the
 * window in the middle of a value would otherwise have its start written out unmasked and the
 * rest no longer recognised; there the tail waits for the next write or the end of the stream.
 */
import type { Readable, Writable } from 'node:stream';
import type { Redactor } from '../../core/redaction.js';

/**
 * Silence, in ms, after which a held-back tail is written. Programs write the pieces of one line
 * within microseconds of each other; 100 ms is still below what a person notices at a prompt.
 */
export const IDLE_FLUSH_MS = 100;

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
    let chunks = 0;
    let idle: NodeJS.Timeout | undefined;
    const onIdle = () => {
      const seen = chunks;
      // setImmediate runs after the event loop's next poll for I/O: output the child wrote just
      // before the timer fired is read (and re-arms the timer) before the tail is given up on.
      setImmediate(() => {
        if (!done && chunks === seen && !source.isPaused() && stream.held > 0) write(stream.flush());
      });
    };
    // (Re)starts the silence timer while something is held back.
    const interactive = (target as { isTTY?: boolean }).isTTY === true;
    const arm = () => {
      if (interactive && stream.held > 0) (idle ??= setTimeout(onIdle, IDLE_FLUSH_MS).unref()).refresh();
    };
    source.on('data', (chunk: Buffer) => {
      chunks++;
      const ok = write(stream.push(chunk.toString('latin1')));
      arm();
      if (!ok) {
        source.pause();
        target.once('drain', () => {
          source.resume();
          arm();
        });
      }
    });
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      active.delete(source);
      write(stream.flush());
      resolve();
    };
    source.once('end', finish);
    // A read error or a destroyed source ends the copy; what was held back is still written, masked.
    source.once('close', finish);
  });
}
