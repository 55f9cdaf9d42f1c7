/**
 * Typed secret schemas: `defineSecrets({...})` declares the secrets an application reads, and
 * the SecretManager built from it knows their names at compile time. A misspelt name is a type
 * error; a secret that is optional without a default is typed `string | undefined`, one that is
 * required or has a default is typed `string`. The config file's secret list gives the same
 * schema at run time (`schemaFromConfig`), without the compile-time names.
 */
import type { CategoryId } from '../core/categories.js';
import { CofferError } from '../core/errors.js';
import { SECRET_NAME } from '../core/names.js';
import { secretsOf, type Config } from '../config/resolve.js';

/** How one secret is declared. */
export interface SecretDefinition {
  /** Catalog category (for validation and rotation); default inferred from the name where used. */
  readonly category?: CategoryId;
  /** A missing required secret fails `initialize()`; default true. */
  readonly required?: boolean;
  /** Value used when the secret is not set; only for non-secret settings (never for Secret/Critical data). */
  readonly default?: string;
  readonly description?: string;
  /** Cache TTL of this secret in ms; default the manager's `ttlMs`. */
  readonly ttlMs?: number;
}

/** A set of declared secrets, by name. */
export type SecretSchema = Readonly<Record<string, SecretDefinition>>;

/** The value type of a declared secret: present unless optional without a default. */
export type SecretValueOf<D extends SecretDefinition> = D extends { readonly default: string }
  ? string
  : D extends { readonly required: false }
    ? string | undefined
    : string;

/** The names a manager accepts: the schema's keys, or any string for an untyped manager. */
export type SecretNameOf<S extends SecretSchema> = string extends keyof S ? string : keyof S & string;

/** The value type of `name` in schema `S` (a string or undefined for an untyped manager). */
export type ValueFor<S extends SecretSchema, K extends string> = string extends keyof S
  ? string | undefined
  : K extends keyof S
    ? SecretValueOf<S[K]>
    : never;

/**
 * Declares an application's secrets; the result types a SecretManager.
 *
 * @example
 * const schema = defineSecrets({
 *   JWT_SECRET: { category: 'jwt' },
 *   LOG_LEVEL: { required: false, default: 'info' },
 *   SENTRY_DSN: { required: false },
 * });
 * const secrets = await createSecretManager({ schema });
 * await secrets.initialize();
 * secrets.value('JWT_SECRET'); // string
 * secrets.value('SENTRY_DSN'); // string | undefined
 */
export function defineSecrets<const S extends SecretSchema>(schema: S): S {
  for (const [name, definition] of Object.entries(schema)) {
    if (!SECRET_NAME.test(name)) throw new CofferError('COFFER_E_CONFIG_INVALID', `defineSecrets: ${JSON.stringify(name).slice(0, 60)} is not a valid secret name (letters, digits and _, not starting with a digit).`);
    if (definition.ttlMs !== undefined && !(definition.ttlMs > 0)) throw new CofferError('COFFER_E_CONFIG_INVALID', `defineSecrets: ${name}.ttlMs must be a positive number of milliseconds.`);
  }
  return schema;
}

/** The schema of one environment's declared secrets in a loaded config. */
export function schemaFromConfig(config: Config, environment: string): SecretSchema {
  return Object.fromEntries(secretsOf(config, environment).map((s) => [s.name, {
    category: s.category,
    required: s.required,
    ...(s.default !== undefined ? { default: s.default } : {}),
    ...(s.description !== undefined ? { description: s.description } : {}),
  }]));
}

/** Whether a missing `definition` fails initialisation. */
export function isRequired(definition: SecretDefinition | undefined): boolean {
  return definition?.required !== false && definition?.default === undefined;
}
