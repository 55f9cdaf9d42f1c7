/**
 * How Coffer secret names become Kubernetes names. In `object` mode a name is a data key of one
 * Secret, which Kubernetes allows as `[-._a-zA-Z0-9]+` (at most 253 characters), so every Coffer
 * name is used as it is. In `per-secret` mode a name becomes part of an object name, which must
 * be a DNS-1123 subdomain (lower-case letters, digits, `-` and `.`, starting and ending with a
 * letter or digit, at most 253 characters); the mapping below is reversible so that `list` can
 * give back the exact Coffer name:
 *
 *   upper-case letter -> its lower-case letter     DB_PASSWORD  -> db-password
 *   `_`               -> `-`                       JWT_SECRET_2 -> jwt-secret-2
 *   digit 1-9         -> itself
 *   `0`               -> `00`                      REDIS_DB_0   -> redis-db-00
 *   lower-case letter -> `0` and the letter        apiKey       -> 0a0p0ik0e0y
 *
 * `0` is the escape character because Coffer names are upper-case by convention, so the escape
 * is rare and the usual name reads the same in kubectl. A name whose object name would not be
 * valid (too long, or ending in `_`, or starting with `_` under an empty prefix) is refused with
 * COFFER_E_USAGE naming it, before any call.
 */
import { CofferError } from '../core/errors.js';

/** A data key Kubernetes accepts in a Secret. */
const DATA_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
/** A DNS-1123 subdomain, the rule for Secret object names. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ESCAPE = '0';

/** Shows a name in a message, cut short and quoted. */
export const shown = (name: string): string => JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);

/** True when `name` is a valid Secret object name. */
export function isObjectName(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

/** `name` as a data key of the Secret in `object` mode; COFFER_E_USAGE when it cannot be one. */
export function dataKeyFor(name: string): string {
  if (!DATA_KEY.test(name) || name === '.' || name === '..' || name.startsWith('..')) {
    throw new CofferError('COFFER_E_USAGE', `${shown(name)} cannot be a key of a Kubernetes Secret (letters, digits, -, _ and . only, at most 253 characters); rename the secret.`, { details: { provider: 'kubernetes', name } });
  }
  return name;
}

/**
 * The object name of `name` in `per-secret` mode: `prefix` and the encoding of the module
 * comment. COFFER_E_USAGE naming the secret when the result is not a valid object name.
 */
export function objectNameFor(prefix: string, name: string): string {
  let encoded = '';
  for (const c of name) {
    if (c >= 'A' && c <= 'Z') encoded += c.toLowerCase();
    else if (c >= 'a' && c <= 'z') encoded += ESCAPE + c;
    else if (c === ESCAPE) encoded += ESCAPE + ESCAPE;
    else if (c >= '1' && c <= '9') encoded += c;
    else if (c === '_') encoded += '-';
    else {
      throw new CofferError('COFFER_E_USAGE', `${shown(name)} cannot be mapped to a Kubernetes Secret name: only letters, digits and _ are; rename the secret.`, { details: { provider: 'kubernetes', name } });
    }
  }
  const object = prefix + encoded;
  if (name === '' || !isObjectName(object)) {
    const why = name === '' ? 'it is empty'
      : object.length > 253 ? `the Secret name would be ${object.length} characters, over the limit of 253`
        : 'the Secret name would start or end with - (a name ending in _, or starting with _ without a prefix)';
    throw new CofferError('COFFER_E_USAGE', `${shown(name)} cannot be stored as its own Kubernetes Secret: ${why}; rename the secret or use mode "object".`, { details: { provider: 'kubernetes', name } });
  }
  return object;
}

/** The Coffer name an object name stands for under `prefix`, or undefined when it is not one. */
export function nameFromObject(prefix: string, object: string): string | undefined {
  if (!object.startsWith(prefix) || object.length === prefix.length) return undefined;
  const encoded = object.slice(prefix.length);
  let name = '';
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded[i] as string;
    if (c === ESCAPE) {
      const next = encoded[i + 1];
      i++;
      if (next === ESCAPE) name += ESCAPE;
      else if (next !== undefined && next >= 'a' && next <= 'z') name += next;
      else return undefined;
    } else if (c >= 'a' && c <= 'z') name += c.toUpperCase();
    else if (c >= '1' && c <= '9') name += c;
    else if (c === '-') name += '_';
    else return undefined;
  }
  return name;
}
