/**
 * The config layer's public API (cratefence.toml, suppressions, expected capabilities, cargo-vet audits).
 * Other layers (lock, serve) import from here only.
 */
export { ConfigError } from './errors.js';
export { loadConfig, parseConfig, findConfigFile, CONFIG_FILE_NAME } from './loader.js';
export type { Config, Suppression } from './schema.js';
export { applyPolicy, addPolicyNote, unusedSuppressions, isExpired, suppressionCovers, type PolicyContext } from './policy.js';
export { readAudits, cargoReqToRange, type Audits, type AuditSet, type VetAudit, type VetTrust } from './vet.js';
export { checkAudits, type AuditCheck } from './vet-check.js';
export { parseCargoDuration, formatCargoDuration, DurationError } from './duration.js';
export { ServePolicySchema, DEFAULT_POLICY, type ServePolicy } from './serve.js';
