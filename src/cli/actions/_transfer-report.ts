/**
 * Prints the result of `coffer migrate` and `coffer copy` the same way: one line per name with
 * what was planned and what happened, the failures with their codes, and the record id that
 * `coffer migrate --rollback` takes. Never a value.
 */
import type { TransferResult } from '../../project/transfer.js';
import { color, print } from '../output.js';

/** Exit code of a transfer: 0 complete, 1 a read-back mismatch, 3 a write or a read-back failed. */
export function transferExitCode(result: TransferResult): number {
  if (result.outcomes.some((o) => o.state === 'failed' || o.state === 'not-attempted' || o.readBackError !== undefined)) return 3;
  return result.complete ? 0 : 1;
}

/** Prints `result` for a terminal. */
export function printTransfer(verb: string, result: TransferResult): void {
  const width = Math.max(6, ...result.outcomes.map((o) => o.name.length));
  for (const o of result.outcomes) {
    const state = o.state === undefined ? '' : o.state === 'done' ? color.green('done') : o.state === 'failed' ? color.red(`FAILED ${o.error?.code ?? ''}`) : color.yellow('not attempted');
    const verified = o.readBackError !== undefined ? color.red(`  READ-BACK FAILED ${o.readBackError.code}`) : o.verified === undefined ? '' : o.verified ? '  verified' : color.red('  MISMATCH on read-back');
    print(`${o.name.padEnd(width)}  ${o.action.padEnd(9)} ${state}${verified}`.trimEnd());
  }
  for (const o of result.outcomes) if (o.error !== undefined) print(color.red(`${o.name}: ${o.error.message}`));
  for (const o of result.outcomes) if (o.readBackError !== undefined) print(color.red(`${o.name}: reading it back failed: ${o.readBackError.message}`));
  const count = (action: string) => result.outcomes.filter((o) => o.action === action).length;
  const summary = `${count('create')} to create, ${count('update')} to update, ${count('unchanged')} unchanged${count('kept') ? `, ${count('kept')} kept (differ; --overwrite replaces them)` : ''}`;
  if (result.dryRun) {
    print('', `Dry run, nothing written: ${verb} ${result.from} -> ${result.to}: ${summary}.`);
    return;
  }
  const done = result.outcomes.filter((o) => o.state === 'done').length;
  const failed = result.outcomes.filter((o) => o.state === 'failed').length;
  const skipped = result.outcomes.filter((o) => o.state === 'not-attempted').length;
  const mismatched = result.outcomes.filter((o) => o.verified === false).length;
  const unread = result.outcomes.filter((o) => o.readBackError !== undefined).length;
  const checks = `${mismatched ? `, ${mismatched} mismatched on read-back` : ''}${unread ? `, ${unread} could not be read back` : ''}`;
  print('', `${result.from} -> ${result.to}: ${summary}; ${done} written${failed ? `, ${failed} failed` : ''}${skipped ? `, ${skipped} not attempted` : ''}${checks}.`);
  if (result.id !== undefined) print(color.dim(`Recorded as ${result.id}; \`coffer migrate --rollback ${result.id}\` undoes exactly these writes.`));
  if (result.backupFile !== undefined) print(color.dim(`The values it replaced are kept in ${result.backupFile} (0600) for the rollback, which deletes that file when it completes.`));
}
