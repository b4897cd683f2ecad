import path from 'node:path';
import { FileReadError, readBoundedSync } from '../files/index.js';
import { DEFAULT_RULES_DIR, type RuleSpec } from '../index.js';
import type { RuleMeta } from './sarif.js';

/** A rule file is a few kilobytes; anything larger is not read for its header. */
const MAX_RULE_FILE = 1024 * 1024;

/**
 * The header comment of a rule file: its leading `#` lines, joined (house style: one line saying what
 * the rule detects and why it matters; some rules need a few). Empty when the file has none.
 */
export function ruleHeader(text: string): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^#\s?(.*)$/.exec(line);
    if (!m) break;
    lines.push(m[1].trim());
  }
  return lines.join(' ').replace(/\s+/g, ' ').trim();
}

/**
 * What the SARIF reporter needs of each rule that ran: its spec and the header comment of its file
 * (read here, bounded; a file that cannot be read gives no header, and the rule is described by its
 * note). The rules were validated when loaded; only the comment is read again. Only the bundled
 * rules are `documented` (docs/rule-reference.md describes them, not a team's own rules).
 */
export function ruleMetaOf(set: { dir: string; rules: Array<{ spec: RuleSpec; file: string }> }): RuleMeta[] {
  const documented = path.resolve(set.dir) === path.resolve(DEFAULT_RULES_DIR);
  return set.rules.map(({ spec, file }) => {
    let summary = '';
    try {
      summary = ruleHeader(readBoundedSync(path.join(set.dir, file), { maxBytes: MAX_RULE_FILE, what: 'rule file' }).toString('utf8'));
    } catch (e) {
      if (!(e instanceof FileReadError)) throw e;
    }
    return { id: spec.id, category: spec.category, severity: spec.severity, confidence: spec.confidence, note: spec.note, summary, documented };
  });
}
