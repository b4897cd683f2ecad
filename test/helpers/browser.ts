import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';

/** Debian's Chromium: the browser tests drive it with playwright-core (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const CI = process.env.CI === 'true';

/** Whether a browser test file runs: skipped with a printed reason without Chromium, failing under CI=true. */
export function browserTestsRun(file: string): boolean {
  if (HAVE_CHROMIUM) return true;
  if (CI) throw new Error(`${file}: ${CHROMIUM} is missing and CI=true: CI must install Debian's chromium (see .ci/run)`);
  console.warn(`${file}: browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium); under CI=true they fail instead`);
  return false;
}

/** Flags for a headless Chromium that talks to nobody but the test's own server. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** One accessibility violation as axe reports it, cut to what a failing assertion needs to show. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

const axeSource = () => readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core (WCAG 2 A and AA rules and axe's best practices) in the page as it is and returns
 * the violations of `serious` or `critical` impact. Injected through the DevTools protocol, so the
 * page's own Content-Security-Policy stays in force.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource());
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[]; failureSummary?: string }> }> }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * A full-page screenshot into `dir`, checked to hold a picture; copied to $CRATEFENCE_SCREENSHOT_DIR
 * when set, for a person to look at before trusting the test.
 */
export async function screenshot(page: Page, dir: string, name: string, fullPage = true): Promise<string> {
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  if (statSync(file).size < 5_000) throw new Error(`screenshot ${name} is nearly empty`);
  const keep = process.env.CRATEFENCE_SCREENSHOT_DIR;
  if (keep) {
    mkdirSync(keep, { recursive: true });
    copyFileSync(file, path.join(keep, `${name}.png`));
  }
  return file;
}

/** Milliseconds from the start of navigation to the end of the load event, as the page measured it. */
export async function loadTime(page: Page): Promise<number> {
  return page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return Math.round(n.loadEventEnd);
  });
}
