/**
 * The schema of coffer's project config file (coffer.config.json or .yaml).
 *
 * One zod schema gives the TypeScript type, the validation and the field list of
 * docs/config.md. Objects are strict, so a misspelt key is an error that names it, rather than a
 * setting silently ignored.
 */
import { z } from 'zod/v3';
import { ENV_NAME, SECRET_NAME } from '../core/names.js';
import { CATEGORY_IDS, ENCODINGS, RISK_TIER_DAYS, SECURITY_LEVELS } from '../core/categories.js';

export { ENV_NAME, SECRET_NAME };

const generatorSchema = z
  .object({
    length: z.number().int().min(8).max(4096).optional(),
    encoding: z.enum(ENCODINGS).optional(),
  })
  .strict();

/** A duration as written in config and flags: `90s`, `30m`, `1h`, `2d`, or `0` for none. */
export const DURATION = /^(0|\d{1,6}(ms|s|m|h|d))$/;

const healthCheckSchema = z
  .object({
    url: z.string().url().optional(),
    command: z.array(z.string().min(1)).min(1).optional(),
    timeout: z.string().regex(DURATION, 'a duration such as 10s').optional(),
  })
  .strict()
  .refine((h) => (h.url === undefined) !== (h.command === undefined), 'give exactly one of "url" or "command"');

const rotationSchema = z
  .object({
    rotator: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a rotator id is lower-case kebab-case, e.g. "postgres"').optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    grace: z.string().regex(DURATION, 'a duration such as 1h, 30m or 0').optional(),
    healthCheck: healthCheckSchema.optional(),
  })
  .strict();

const secretSchema = z
  .object({
    category: z.enum(CATEGORY_IDS).optional(),
    description: z.string().max(500).optional(),
    required: z.boolean().optional(),
    default: z.string().optional(),
    level: z.enum(SECURITY_LEVELS).optional(),
    external: z.boolean().optional(),
    generator: generatorSchema.optional(),
    rotationDays: z.number().int().min(1).max(3650).optional(),
    riskTier: z.enum(Object.keys(RISK_TIER_DAYS) as [keyof typeof RISK_TIER_DAYS, ...(keyof typeof RISK_TIER_DAYS)[]]).optional(),
    environments: z.array(z.string().regex(ENV_NAME)).min(1).optional(),
    rotation: rotationSchema.optional(),
  })
  .strict();

const environmentSchema = z
  .object({
    description: z.string().max(500).optional(),
    profile: z.enum(['production', 'development']).optional(),
    provider: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a provider id is lower-case kebab-case, e.g. "dotenv"').optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** The config file as written. */
export const configSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1),
    project: z.string().min(1).max(100).optional(),
    defaultEnvironment: z.string().regex(ENV_NAME).optional(),
    environments: z.record(z.string().regex(ENV_NAME, 'environment names are lower-case letters, digits, - and _'), environmentSchema)
      .refine((envs) => Object.keys(envs).length > 0, 'declare at least one environment'),
    secrets: z.record(z.string().regex(SECRET_NAME, 'secret names are letters, digits and _, not starting with a digit'), secretSchema),
  })
  .strict();

/** The config file's content, as validated. */
export type ConfigFile = z.infer<typeof configSchema>;
/** One secret's entry in the config file. */
export type SecretEntry = z.infer<typeof secretSchema>;
/** One environment's entry in the config file. */
export type EnvironmentEntry = z.infer<typeof environmentSchema>;

/** The keys each object of the config may have, for "did you mean" hints. */
export const KNOWN_KEYS = {
  root: Object.keys(configSchema.shape),
  environment: Object.keys(environmentSchema.shape),
  secret: Object.keys(secretSchema.shape),
  generator: Object.keys(generatorSchema.shape),
  rotation: Object.keys(rotationSchema.shape),
} as const;
