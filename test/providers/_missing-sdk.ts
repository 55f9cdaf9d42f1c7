/**
 * Runs a provider in a child process where its SDK package does not resolve (as in an
 * application that did not install it; see _hide-package.mjs), makes one read and returns the
 * error that read met, for the providers' missing-SDK tests.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The error of `get('DB_PASSWORD')` on the default export of `providerFile` opened with `options` and an empty environment, with `hidden` unresolvable. */
export async function readWithoutPackage(providerFile: string, options: Record<string, unknown>, hidden: string): Promise<{ opened: string; code: string; message: string }> {
  const hook = pathToFileURL(resolve('test/providers/_hide-package.mjs')).href;
  const module = pathToFileURL(resolve(providerFile)).href;
  const script = `const { default: create } = await import(${JSON.stringify(module)});
    const provider = create(${JSON.stringify(options)}, { env: {} });
    await provider.get('DB_PASSWORD').then(() => process.stdout.write('{}'), (e) => process.stdout.write(JSON.stringify({ opened: provider.id, code: e.code, message: e.message })));`;
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '--import', hook, '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, COFFER_TEST_HIDE_PACKAGES: hidden } });
  return JSON.parse(stdout) as { opened: string; code: string; message: string };
}
