/**
 * Terminal output helpers: plain lines, JSON, and colours that appear only on a TTY and never
 * when NO_COLOR is set. Progress and warnings go to stderr so stdout stays machine-readable.
 */
import { isatty } from 'node:tty';

const useColor = (stream: NodeJS.WriteStream): boolean =>
  stream.isTTY === true && (process.env.NO_COLOR ?? '') === '' && process.env.TERM !== 'dumb';

const paint = (code: number) => (text: string, stream: NodeJS.WriteStream = process.stdout): string =>
  useColor(stream) ? `\u001b[${code}m${text}\u001b[0m` : text;

/** Colour helpers; each returns plain text when colour is off. */
export const color = { red: paint(31), green: paint(32), yellow: paint(33), dim: paint(2), bold: paint(1) };

/** Writes lines to stdout. */
export function print(...lines: string[]): void {
  for (const line of lines) process.stdout.write(`${line}\n`);
}

/** Writes `value` to stdout as pretty JSON. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * True when the CLI may prompt: stdin and stderr are terminals and --yes was not given. Asks the
 * file descriptors (isatty) rather than process.stdin, whose first use builds a stream and loads
 * a dozen Node modules (fs streams and promises, readline): a cost every `coffer run` paid only
 * to learn that it would not prompt.
 */
export function canPrompt(yes: boolean | undefined): boolean {
  return yes !== true && isatty(0) && isatty(2);
}
