// Makes the packages named in COFFER_TEST_HIDE_PACKAGES (comma-separated) unresolvable in this
// process, as if they were not installed: Node's resolver answers ERR_MODULE_NOT_FOUND for them
// and their subpaths. Used with `node --import` to test the message a missing optional SDK gives.
import { register } from 'node:module';

const hidden = (process.env.COFFER_TEST_HIDE_PACKAGES ?? '').split(',').filter(Boolean);
const hooks = `
const hidden = ${JSON.stringify(hidden)};
export async function resolve(specifier, context, next) {
  if (hidden.some((name) => specifier === name || specifier.startsWith(name + '/'))) {
    const error = new Error("Cannot find package '" + specifier + "' imported from " + context.parentURL);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
