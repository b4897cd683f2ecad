#!/usr/bin/env node
// Build step: validates the bundled rules folder and writes dist/rules.bundle.json, so that a scan
// starts without parsing 50 YAML files and compiling their schema. Fails the build on any bad rule.
import { writeFileSync } from 'node:fs';
import { DEFAULT_RULES_DIR, RULES_BUNDLE, compileRule, fingerprint, readCatalogue, readRuleSpecs, readTargets } from '../dist/rules/loader.js';
import { ANALYZERS } from '../dist/rules/analyzers/index.js';

const specs = readRuleSpecs(DEFAULT_RULES_DIR, new Set(Object.keys(ANALYZERS)));
// Compile every regex and query now, so a bad rule fails the build rather than the first scan.
for (const s of specs) compileRule(s);
const bundle = { fingerprint: fingerprint(DEFAULT_RULES_DIR), specs, catalogue: readCatalogue(DEFAULT_RULES_DIR), targets: readTargets(DEFAULT_RULES_DIR) };
writeFileSync(RULES_BUNDLE, JSON.stringify(bundle));
console.log(`bundled ${specs.length} rules into ${RULES_BUNDLE}`);
