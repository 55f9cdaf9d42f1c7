/**
 * `coffer init`: asks for the project name on a terminal (never with --yes or without a TTY),
 * writes the starter files and says what to do next.
 */
import { basename } from 'node:path';
import { initProject } from '../../project/init.js';
import { canPrompt, print, printJson } from '../output.js';
import { ask } from '../prompt.js';

interface InitCliOptions {
  yes?: boolean;
  project?: string;
  force?: boolean;
  json?: boolean;
}

/** Runs `coffer init`. */
export async function run(options: InitCliOptions): Promise<number> {
  const cwd = process.cwd();
  let project = options.project;
  if (project === undefined && canPrompt(options.yes) && options.json !== true) {
    project = await ask('Project name?', basename(cwd));
  }
  const files = initProject({ cwd, ...(project === undefined ? {} : { project }), force: options.force === true });
  if (options.json) {
    printJson({ files });
    return 0;
  }
  for (const file of files) print(`${file.action.padEnd(8)} ${file.path}`);
  print('', 'Next: `coffer generate development` to create the development secrets, then `coffer validate development`.');
  return 0;
}
