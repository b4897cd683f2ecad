#!/usr/bin/env node
// Build step: validates the bundled rules folder and writes dist/rules.bundle.json, so that a scan
// starts without parsing 50 YAML files and compiling their schema. Fails the build on any bad rule.
// What a scan would otherwise derive from the rules on every start (the catalogue's digest, which
// names the catalogue in dependency summaries) is worked out here once.
import { writeFileSync } from 'node:fs';
import { DEFAULT_RULES_DIR, RULES_BUNDLE, catalogueDigest, compileRule, fingerprint, readCatalogue, readRuleSpecs, readTargets } from '../dist/rules/loader.js';
import { catalogueFrom } from '../dist/analysis/catalogue.js';
import { ANALYZERS } from '../dist/rules/analyzers/index.js';

const specs = readRuleSpecs(DEFAULT_RULES_DIR, new Set(Object.keys(ANALYZERS)));
// Compile every regex and query now, so a bad rule fails the build rather than the first scan.
for (const s of specs) compileRule(s);
const catalogue = readCatalogue(DEFAULT_RULES_DIR);
// The digest of the catalogue as a scan rebuilds it from this file (JSON keeps every entry; the digest sorts them).
const bundle = { fingerprint: fingerprint(DEFAULT_RULES_DIR), specs, catalogue, targets: readTargets(DEFAULT_RULES_DIR), catalogueDigest: catalogueDigest(catalogueFrom(catalogue)) };
// Written as ASCII (the few non-ASCII characters of messages escaped; JSON.parse gives the same
// strings): the loader then reads it as a one-byte string, which parses faster.
const json = JSON.stringify(bundle).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
writeFileSync(RULES_BUNDLE, json);
console.log(`bundled ${specs.length} rules into ${RULES_BUNDLE}`);
