/**
 * How a Coffer name becomes an Azure Key Vault secret name and back. Key Vault allows 1 to 127
 * characters of `0-9 a-z A-Z -` and compares names without regard to case, while Coffer names
 * are case-sensitive and use `_` (DB_PASSWORD). The mapping is a prefix code over the
 * case-insensitive alphabet `0-9 A-Z -`, so that two Coffer names never meet in one Key Vault
 * secret and every name Coffer writes reads back as the same Coffer name:
 *
 * | Coffer | Key Vault | note |
 * | --- | --- | --- |
 * | `A`-`Z`, `0`-`9` | themselves | |
 * | `_` | `-` | `DB_PASSWORD` is `DB-PASSWORD` |
 * | `_` before `_`, `-` or a lower-case letter | `--0` | so that `-` never starts an escape by accident |
 * | `-` | `--1` | |
 * | a lower-case letter | `--` and the letter in upper case | `apiKey` is `--A--P--IK--E--Y` |
 *
 * Reading, `-` followed by `-` starts an escape and any other `-` is `_`; case is ignored. A
 * name that uses other characters, or is longer than 127 characters once mapped (with the
 * prefix), is refused with COFFER_E_USAGE naming it. docs/providers/azure-key-vault.md shows the
 * same table.
 */
import { CofferError } from '../core/errors.js';

/** The longest secret name Key Vault accepts. */
export const MAX_VAULT_NAME = 127;
/** A Key Vault secret name (and what a prefix may hold). */
export const VAULT_NAME = /^[0-9A-Za-z-]{1,127}$/;
const CODER_NAME = /^[A-Za-z0-9_-]+$/;

/** The Key Vault form of one character, given the character after it. */
function encodeChar(c: string, next: string | undefined): string {
  if (/[A-Z0-9]/.test(c)) return c;
  if (/[a-z]/.test(c)) return `--${c.toUpperCase()}`;
  if (c === '-') return '--1';
  // `_`: a lone `-`, unless what follows starts with `-` too and would read as an escape.
  return next !== undefined && /[-_a-z]/.test(next) ? '--0' : '-';
}

/**
 * The Key Vault secret name of `name` under `prefix`; COFFER_E_USAGE naming the secret when it
 * has characters the mapping does not carry or does not fit in 127 characters.
 *
 * @example
 * vaultName('DB_PASSWORD', 'prod-'); // 'prod-DB-PASSWORD'
 */
export function vaultName(name: string, prefix = ''): string {
  const shown = JSON.stringify(name.slice(0, 80));
  if (!CODER_NAME.test(name)) {
    throw new CofferError('COFFER_E_USAGE', `${shown} cannot be an Azure Key Vault secret name: use letters, digits, _ and - (see "Names" in docs/providers/azure-key-vault.md).`, { details: { provider: 'azure-key-vault', name } });
  }
  const encoded = prefix + [...name].map((c, i) => encodeChar(c, name[i + 1])).join('');
  if (encoded.length > MAX_VAULT_NAME) {
    throw new CofferError('COFFER_E_USAGE', `${shown} is too long for Azure Key Vault: mapped${prefix ? ' with the prefix' : ''} it is ${encoded.length} characters and the limit is ${MAX_VAULT_NAME} (lower-case letters take 3 each); shorten it${prefix ? ' or the prefix' : ''}.`, { details: { provider: 'azure-key-vault', name } });
  }
  return encoded;
}

/** The Coffer name of a Key Vault name (prefix already removed), or undefined when it is not one the mapping makes. */
export function decodeVaultName(encoded: string): string | undefined {
  const text = encoded.toUpperCase();
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (/[A-Z0-9]/.test(c)) out += c;
    else if (c !== '-') return undefined;
    else if (text[i + 1] !== '-') out += '_';
    else {
      const code = text[i + 2];
      i += 2;
      if (code === undefined) return undefined;
      if (/[A-Z]/.test(code)) out += code.toLowerCase();
      else if (code === '0') out += '_';
      else if (code === '1') out += '-';
      else return undefined;
    }
  }
  return out === '' ? undefined : out;
}

/**
 * The Coffer name a listed secret stands for under `prefix`: undefined when it is outside the
 * prefix, or not the exact form Coffer would write (a secret made by hand as `A--0B` is skipped,
 * since `get('A_B')` reads `A-B`).
 */
export function cofferName(vaultSecretName: string, prefix: string): string | undefined {
  if (vaultSecretName.length <= prefix.length || vaultSecretName.slice(0, prefix.length).toUpperCase() !== prefix.toUpperCase()) return undefined;
  const rest = vaultSecretName.slice(prefix.length);
  const name = decodeVaultName(rest);
  if (name === undefined) return undefined;
  const again = [...name].map((c, i) => encodeChar(c, name[i + 1])).join('');
  return again === rest.toUpperCase() ? name : undefined;
}
