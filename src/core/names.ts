/**
 * The grammar of environment and secret names, shared by the config schema, the store and the
 * providers so that a name one accepts is never refused by another.
 */

/** Environment names: lower-case, usable in file names (`.env.<name>`). */
export const ENV_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
/** Secret names: what a shell and a dotenv file accept as a variable name. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
