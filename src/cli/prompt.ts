/**
 * Terminal prompts. Secret input is read with echo off, so the value never appears on screen or
 * in the terminal's scrollback. Only used when canPrompt() allows it.
 */
import { createInterface } from 'node:readline';
import { CofferError } from '../core/errors.js';

/** Asks a question on stderr and returns the answer, or `fallback` when the answer is empty. */
export async function ask(question: string, fallback: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(`${question} [${fallback}] `, resolve));
    return answer.trim() === '' ? fallback : answer.trim();
  } finally {
    rl.close();
  }
}

/** Reads a secret from the terminal without echoing it. */
export async function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo goes off before the question appears, so nothing typed in response is ever echoed.
  stdin.setRawMode(true);
  process.stderr.write(question);
  stdin.resume();
  stdin.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n' || char === '\u0004') {
            stdin.off('data', onData);
            resolve(value);
            return;
          }
          if (char === '\u0003') {
            stdin.off('data', onData);
            reject(new CofferError('COFFER_E_CANCELLED', 'Interrupted at the prompt; nothing was written.'));
            return;
          }
          if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
          else value += char;
        }
      };
      stdin.on('data', onData);
      stdin.once('end', () => resolve(value));
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}
