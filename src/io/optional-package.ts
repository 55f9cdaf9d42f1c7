/**
 * Loads an optional package (a cloud SDK, a database driver) on first use. Coffer lists them as
 * optional peer dependencies, so an application installs only the ones it uses; when one is
 * missing, the error names it and the command that installs it, instead of a resolver trace.
 */
import { CofferError } from '../core/errors.js';

/**
 * Runs `load` (an `import()` of `name`); COFFER_E_MISSING_PACKAGE when the package is not installed.
 *
 * @example
 * const sdk = await loadOptionalPackage('@google-cloud/secret-manager', 'The gcp-secret-manager provider', () => import('@google-cloud/secret-manager'));
 */
export async function loadOptionalPackage<T>(name: string, user: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(name)) {
      throw new CofferError('COFFER_E_MISSING_PACKAGE', `${user} needs the ${name} package, which is not installed: run \`npm install ${name}\`.`, { cause: error });
    }
    throw error;
  }
}
