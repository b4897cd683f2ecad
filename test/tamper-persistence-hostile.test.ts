import { describe, expect, it } from 'vitest';
import { runCase } from './helpers/fixture.js';

/** Wall time of one scan of a rule-test case, with its report. */
function timed(t: Parameters<typeof runCase>[0]) {
  const t0 = performance.now();
  const report = runCase(t);
  return { report, ms: performance.now() - t0 };
}

// Generous limits: the machine running the tests may be shared. What they catch is quadratic or
// exponential behaviour, which takes minutes on these inputs.
describe('persistence and tampering analysis on hostile input', () => {
  it('a function of 5 000 writes to chained variables stays linear', () => {
    const lets = Array.from({ length: 2000 }, (_, i) => `    let p${i + 1} = p${i}.join(p${i});`).join('\n');
    const writes = Array.from({ length: 5000 }, (_, i) => `    let _ = std::fs::write(&p${i % 2000}, b"x");`).join('\n');
    const code = `pub fn go() {\n    let p0 = std::path::PathBuf::from("a");\n${lets}\n${writes}\n}\n`;
    const { report, ms } = timed({ code });
    expect(ms).toBeLessThan(60_000);
    expect(report.findings.filter((f) => f.ruleId === 'persistence-write')).toEqual([]);
    // Variables are resolved once per definition: this stays far inside the evaluation budget.
    expect(report.findings.filter((f) => f.ruleId === 'unanalysed-code')).toEqual([]);
  });

  it('spending the path-evaluation budget on purpose is reported, not silent', () => {
    // 1 500 variables in a function padded to 3 MiB: each variable's definitions are searched over
    // the whole function, which is what the budget counts.
    const n = 1500;
    const lets = Array.from({ length: n }, (_, i) => `    let v${i} = "a${i}";`).join('\n');
    const writes = Array.from({ length: n }, (_, i) => `    let _ = std::fs::write(&v${i}, b"x");`).join('\n');
    const pad = `    /* ${'x'.repeat(3 << 20)} */`;
    const { report, ms } = timed({ code: `pub fn go() {\n${lets}\n${pad}\n${writes}\n}\n` });
    expect(ms).toBeLessThan(120_000);
    const gap = report.findings.find((f) => f.ruleId === 'unanalysed-code' && /path evaluation ran out/.test(f.message));
    expect(gap, report.findings.map((f) => f.ruleId).join(', ')).toBeDefined();
  });

  it('a write whose path is 2 000 nested format! calls finishes', () => {
    const chain = `${'format!("{}/x", '.repeat(2000)}"y"${')'.repeat(2000)}`;
    const { ms } = timed({ code: `pub fn go() { let _ = std::fs::write(${chain}, b"x"); }\n` });
    expect(ms).toBeLessThan(60_000);
  });

  it('a changed verify function with 30 000 constant comparisons stays bounded', () => {
    const ors = Array.from({ length: 30_000 }, (_, i) => `t == "k${i}"`).join(' || ');
    const { report, ms } = timed({ old: 'pub fn verify(t: &str) -> bool { t.is_empty() }\n', code: `pub fn verify(t: &str) -> bool { t.is_empty() || ${ors} }\n` });
    expect(ms).toBeLessThan(60_000);
    expect(report.findings.some((f) => f.ruleId === 'verify-accepts-constant')).toBe(true);
  });

  it('20 000 address literals in one rewriting function stay linear', () => {
    const lits = Array.from({ length: 20_000 }, () => `s = s.replace("x", "0xc5bc387e963903b243983fa5ebb719ae77813102");`).join('\n    ');
    const { report, ms } = timed({ code: `pub fn fix(mut s: String) -> String {\n    ${lits}\n    s\n}\n` });
    expect(ms).toBeLessThan(60_000);
    expect(report.findings.some((f) => f.ruleId === 'wallet-address-swap')).toBe(true);
  });
});
