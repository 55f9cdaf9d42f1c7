/**
 * The built-in catalog of secret categories and their policies.
 *
 * Each category states how its secrets are generated (encoding, length), what a valid value
 * must meet per profile (production is stricter than development), how often it rotates, its
 * risk tier and the compliance requirements it serves. The numbers come from the requirements
 * Coffer replaces (JWT 64 chars, database passwords 32 with mixed classes and PCI-DSS rotation,
 * encryption keys of at least 256 bits rotated every 180 days, ...); docs/categories.md lists
 * them for users.
 */

/** Category ids, as written in config files. */
export const CATEGORY_IDS = ['jwt', 'database', 'redis', 'session', 'encryption', 'api_key', 'webhook', 'token', 'password', 'generic'] as const;
/** A category id. */
export type CategoryId = (typeof CATEGORY_IDS)[number];

/** Alphabets a generated value is drawn from. */
export const ENCODINGS = ['base64', 'base64url', 'hex', 'alphanumeric', 'alphanumeric+symbols'] as const;
/** An encoding id. */
export type Encoding = (typeof ENCODINGS)[number];

/** Character classes a value can be required to contain. */
export const CHAR_CLASSES = ['lower', 'upper', 'digit', 'symbol'] as const;
/** A character class. */
export type CharClass = (typeof CHAR_CLASSES)[number];

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;

/** When a value set at `from` is due for rotation, every `rotationDays` days (ISO 8601). */
export function rotationDeadline(from: Date, rotationDays: number): string {
  return new Date(from.getTime() + rotationDays * DAY_MS).toISOString();
}

/** Risk tiers and the rotation period each implies, in days (monthly, quarterly, semi-annual). */
export const RISK_TIER_DAYS = { high: 30, medium: 90, low: 180 } as const;
/** A risk tier. */
export type RiskTier = keyof typeof RISK_TIER_DAYS;

/** Security levels of a variable, from least to most sensitive. */
export const SECURITY_LEVELS = ['Public', 'Internal', 'Secret', 'Critical'] as const;
/** A security level. */
export type SecurityLevel = (typeof SECURITY_LEVELS)[number];

/** Validation profiles: production is stricter. Every environment maps to one. */
export type Profile = 'production' | 'development';

/** Compliance frameworks a category can be mapped to. */
export type Framework = 'SOC 2' | 'PCI-DSS' | 'HIPAA' | 'NIST SP 800-63B' | 'OWASP';

/** A per-profile number. */
export interface PerProfile<T> {
  readonly production: T;
  readonly development: T;
}

/** The policy of one category. */
export interface CategoryPolicy {
  readonly id: CategoryId;
  /** Human title for reports. */
  readonly title: string;
  /** Minimum length in characters. */
  readonly minLength: PerProfile<number>;
  /** Minimum bits of randomness, judged by the alphabet the value actually uses. */
  readonly minBits: PerProfile<number>;
  /** Character classes a value must contain. */
  readonly requiredClasses: PerProfile<readonly CharClass[]>;
  /** How Coffer generates a value. */
  readonly generate: { readonly encoding: Encoding; readonly length: number };
  /** Days between rotations. */
  readonly rotationDays: number;
  readonly riskTier: RiskTier;
  /** Security level assumed when the config does not give one. */
  readonly level: SecurityLevel;
  /** Frameworks whose requirements apply to this category. */
  readonly frameworks: readonly Framework[];
  /** Whether a value must differ from each of its last 4 values (PCI-DSS 8.3.7). */
  readonly noReuse: boolean;
}

const both = <T>(value: T): PerProfile<T> => ({ production: value, development: value });
const ALL_CLASSES: readonly CharClass[] = ['lower', 'upper', 'digit', 'symbol'];

/** The built-in catalog, keyed by id. */
export const CATEGORIES: Readonly<Record<CategoryId, CategoryPolicy>> = {
  jwt: {
    id: 'jwt', title: 'JWT signing secret',
    minLength: { production: 64, development: 32 }, minBits: { production: 256, development: 128 },
    requiredClasses: both([]), generate: { encoding: 'base64url', length: 86 },
    rotationDays: 90, riskTier: 'medium', level: 'Critical', frameworks: ['SOC 2', 'OWASP', 'NIST SP 800-63B'], noReuse: false,
  },
  database: {
    id: 'database', title: 'Database password',
    minLength: { production: 32, development: 16 }, minBits: { production: 160, development: 80 },
    requiredClasses: { production: ALL_CLASSES, development: [] }, generate: { encoding: 'alphanumeric+symbols', length: 32 },
    rotationDays: 90, riskTier: 'medium', level: 'Critical', frameworks: ['PCI-DSS', 'SOC 2', 'NIST SP 800-63B'], noReuse: true,
  },
  redis: {
    id: 'redis', title: 'Redis password',
    minLength: { production: 32, development: 16 }, minBits: { production: 160, development: 80 },
    requiredClasses: { production: ['lower', 'upper', 'digit'], development: [] }, generate: { encoding: 'alphanumeric', length: 32 },
    rotationDays: 90, riskTier: 'medium', level: 'Secret', frameworks: ['SOC 2', 'PCI-DSS'], noReuse: true,
  },
  session: {
    id: 'session', title: 'Session secret',
    minLength: { production: 64, development: 32 }, minBits: { production: 256, development: 128 },
    requiredClasses: both([]), generate: { encoding: 'base64url', length: 86 },
    rotationDays: 90, riskTier: 'medium', level: 'Critical', frameworks: ['OWASP', 'SOC 2'], noReuse: false,
  },
  encryption: {
    id: 'encryption', title: 'Encryption key',
    minLength: { production: 64, development: 64 }, minBits: { production: 256, development: 256 },
    requiredClasses: both([]), generate: { encoding: 'hex', length: 64 },
    rotationDays: 180, riskTier: 'low', level: 'Critical', frameworks: ['HIPAA', 'PCI-DSS', 'SOC 2'], noReuse: false,
  },
  api_key: {
    id: 'api_key', title: 'API key',
    minLength: { production: 48, development: 32 }, minBits: { production: 256, development: 128 },
    requiredClasses: both([]), generate: { encoding: 'base64url', length: 64 },
    rotationDays: 90, riskTier: 'medium', level: 'Secret', frameworks: ['SOC 2', 'OWASP'], noReuse: false,
  },
  webhook: {
    id: 'webhook', title: 'Webhook signing secret',
    minLength: { production: 48, development: 32 }, minBits: { production: 256, development: 128 },
    requiredClasses: both([]), generate: { encoding: 'base64url', length: 64 },
    rotationDays: 90, riskTier: 'medium', level: 'Secret', frameworks: ['SOC 2', 'OWASP'], noReuse: false,
  },
  token: {
    id: 'token', title: 'Access token',
    minLength: { production: 32, development: 16 }, minBits: { production: 128, development: 80 },
    requiredClasses: both([]), generate: { encoding: 'base64url', length: 43 },
    rotationDays: 90, riskTier: 'medium', level: 'Secret', frameworks: ['SOC 2', 'OWASP'], noReuse: false,
  },
  password: {
    id: 'password', title: 'Password',
    minLength: { production: 20, development: 12 }, minBits: { production: 112, development: 64 },
    requiredClasses: { production: ALL_CLASSES, development: [] }, generate: { encoding: 'alphanumeric+symbols', length: 24 },
    rotationDays: 90, riskTier: 'medium', level: 'Secret', frameworks: ['PCI-DSS', 'NIST SP 800-63B', 'SOC 2'], noReuse: true,
  },
  generic: {
    id: 'generic', title: 'Secret',
    minLength: { production: 32, development: 16 }, minBits: { production: 128, development: 64 },
    requiredClasses: both([]), generate: { encoding: 'base64url', length: 43 },
    rotationDays: 180, riskTier: 'low', level: 'Secret', frameworks: ['SOC 2'], noReuse: false,
  },
};
