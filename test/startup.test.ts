// Start-up work moved to the build (scripts/bundle-rules.mjs) or made cheaper must give exactly what a
// scan would otherwise work out at run time.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isAscii } from 'node:buffer';
import { afterAll, describe, expect, it } from 'vitest';
import { VERSION, rulesFor, summaryTool } from '../src/index.js';
import { DEFAULT_RULES_DIR, RULES_BUNDLE, TARGETS_FILE, catalogueDigest, fingerprint, listRuleFiles, readCatalogue, type RuleBundle } from '../src/rules/loader.js';
import { platformFiles } from '../src/rules/platform-data.js';
import { catalogueFrom } from '../src/analysis/catalogue.js';

const require = createRequire(import.meta.url);
const built = existsSync(RULES_BUNDLE);
if (!built) {
  const why = `${RULES_BUNDLE} is missing: run npm run build`;
  if (process.env.CI === 'true') throw new Error(why);
  console.warn(`startup.test: skipping the build-time checks (${why})`);
}

const tmp = mkdtempSync(path.join(tmpdir(), 'cratefence-startup-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('values the build works out for the bundled rules', () => {
  it.runIf(built)('the catalogue digest in rules.bundle.json is the one a scan would compute', () => {
    const bundle = JSON.parse(readFileSync(RULES_BUNDLE, 'utf8')) as RuleBundle;
    expect(bundle.catalogueDigest).toMatch(/^[0-9a-f]{64}$/);
    // From the bundle's own catalogue, as the loader rebuilds it ...
    expect(catalogueDigest(catalogueFrom(bundle.catalogue))).toBe(bundle.catalogueDigest);
    // ... and from the rule files themselves (YAML and the platform tables).
    expect(catalogueDigest(catalogueFrom(readCatalogue(DEFAULT_RULES_DIR)))).toBe(bundle.catalogueDigest);
  });

  it.runIf(built)('summaryTool is the same whether the rules came from the bundle or from the files', () => {
    const bundled = rulesFor();
    expect(bundled.catalogueDigest).toBeDefined();
    const fromBundle = summaryTool(bundled);
    expect(fromBundle).toBe(`cratefence ${VERSION}/${catalogueDigest(bundled.catalogue).slice(0, 12)}`);
    // A copy of the folder has no bundle: everything is read, validated and digested at run time.
    const copy = path.join(tmp, 'rules');
    cpSync(DEFAULT_RULES_DIR, copy, { recursive: true });
    const read = rulesFor(copy);
    expect(read.catalogueDigest).toBeUndefined();
    expect(summaryTool(read)).toBe(fromBundle);
    expect(summaryTool(copy)).toBe(fromBundle);
  });

  it.runIf(built)('the bundle is written as ASCII and holds the rule messages as written', () => {
    const bytes = readFileSync(RULES_BUNDLE);
    expect(isAscii(bytes)).toBe(true);
    const text = JSON.stringify(JSON.parse(bytes.toString('latin1')));
    // The escaped characters come back: some messages use arrows, dashes and ellipses.
    expect(/[^\x00-\x7f]/.test(text)).toBe(true);
  });
});

describe('the rules-folder fingerprint', () => {
  // The definition it had: every file's path relative to the folder, size and modification time.
  const reference = (dir: string): string => {
    const targets = path.join(dir, TARGETS_FILE);
    return [...listRuleFiles(dir), path.join(dir, 'capabilities.yaml'), ...platformFiles(dir), ...(existsSync(targets) ? [targets] : [])]
      .map((f) => {
        const st = statSync(f);
        return `${path.relative(dir, f)}:${st.size}:${Math.floor(st.mtimeMs)}`;
      })
      .join('|');
  };

  it('is the same for every spelling of the folder', () => {
    const want = reference(DEFAULT_RULES_DIR);
    const rel = path.relative(process.cwd(), DEFAULT_RULES_DIR);
    const parent = path.dirname(DEFAULT_RULES_DIR);
    for (const dir of [DEFAULT_RULES_DIR, `${DEFAULT_RULES_DIR}${path.sep}`, rel, `${rel}${path.sep}`, `.${path.sep}${rel}`, path.join(parent, 'rules', '..', 'rules'), `${parent}${path.sep}.${path.sep}rules`]) {
      expect(fingerprint(dir), dir).toBe(want);
      expect(reference(dir), dir).toBe(want);
    }
  });

  it('still tells an edited rules folder from the bundled one', () => {
    const copy = path.join(tmp, 'edited');
    cpSync(DEFAULT_RULES_DIR, copy, { recursive: true });
    const before = fingerprint(copy);
    expect(before).toBe(reference(copy));
    const file = listRuleFiles(copy)[0];
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n# edited\n`);
    expect(fingerprint(copy)).not.toBe(before);
    expect(fingerprint(copy)).toBe(reference(copy));
  });
});

describe('loading the bundled CLI', () => {
  const { loadBundle } = require('../bin/load.cjs') as { loadBundle: (root: string, o?: { useCache?: boolean }) => { exports: Record<string, unknown> } };

  it('reads an ASCII bundle and one with other characters alike', () => {
    for (const [name, source, want] of [
      ['ascii', 'module.exports.s = "a\\u2192b";', 'a\u2192b'],
      ['utf8', 'module.exports.s = "a\u2192b \u00e9";', 'a\u2192b \u00e9'],
    ] as const) {
      const root = path.join(tmp, name);
      mkdirSync(path.join(root, 'dist'), { recursive: true });
      writeFileSync(path.join(root, 'dist', 'cratefence.cjs'), source);
      expect(loadBundle(root).exports.s).toBe(want);
    }
  });

  it.runIf(built)('the entry runs as CommonJS and keeps its output and exit codes', () => {
    const bin = path.resolve('bin', 'cratefence.js');
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' })).toBe(`${VERSION}\n`);
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [bin, 'diff', 'only-one'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = (e as { stderr: string }).stderr;
    }
    expect(status).toBe(2);
    expect(stderr).toBe("cratefence: diff takes exactly two inputs: <old> <new>\nRun 'cratefence --help' for usage.\n");
  });
});
