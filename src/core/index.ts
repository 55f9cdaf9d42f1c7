/**
 * Coffer's pure domain: the category catalog, name inference, the generator and error codes.
 * Subpath export `coffer/core`; no I/O happens here.
 */
export * from './categories.js';
export * from './errors.js';
export * from './stages.js';
export { ENV_NAME, SECRET_NAME } from './names.js';
export { inferCategory, looksSecret, INFERENCE_RULES, type InferenceRule } from './infer.js';
export { generateSecret, charClass, ALPHABETS, SYMBOLS, type GenerateOptions, type RandomSource } from './generator.js';
export { resolveReferences, resolveValue, hasReferences, referencedSecrets, escapeReferences, DEFAULT_MAX_RESOLVED_LENGTH, type ResolveOptions, type ResolveValueOptions } from './references.js';
export { createRedactor, DEFAULT_MIN_REDACT_LENGTH, type Redactor, type RedactorOptions, type RedactionStream, type RedactionValue } from './redaction.js';
