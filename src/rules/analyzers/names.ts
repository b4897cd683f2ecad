import { capMatches } from '../../analysis/catalogue.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import type { Confidence, Severity } from '../../contract/finding.js';
import { short, siteMatch } from './util.js';

const HIDDEN_CAPS = ['process', 'network', 'ffi.dlopen', 'ffi.mprotect', 'fs.write', 'fs.delete', 'env.read-all'];

/** The written path of a site, from its first character up to the call's parenthesis (at most 300 characters, three lines). */
function writtenPath(ctx: ScanContext, file: Parameters<ScanContext['linesOf']>[0], line: number, column: number): string {
  const lines = ctx.linesOf(file);
  const text = lines.slice(line - 1, line + 2).join('\n').slice(column - 1, column - 1 + 300);
  const stop = text.search(/[(;=,{]/);
  return stop < 0 ? text : text.slice(0, stop);
}

/** True when the path at this place is the value of `let name =` (`.map(TcpStream::connect)` is ordinary). */
function boundByLet(ctx: ScanContext, file: Parameters<ScanContext['linesOf']>[0], line: number, column: number): boolean {
  const before = (ctx.linesOf(file)[line - 1] ?? '').slice(0, column - 1);
  return /\blet\s+(?:mut\s+)?[A-Za-z_]\w*\s*(?::[^=;]*)?=\s*$/.test(before);
}

/**
 * New capability uses whose name is disguised: a path with raw identifiers, a comment or a line break
 * inside it, a path a local macro puts together from its arguments, a function taken as a value, or
 * a type re-exported under another name in another module. The capability rules report the use
 * itself; this says that its spelling was chosen to escape a reader or a grep.
 */
export function hiddenNameAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const caps = (rule.spec.match.params?.caps as string[] | undefined) ?? HIDDEN_CAPS;
  const out: Match[] = [];
  for (const ns of ctx.newCapabilitySites()) {
    const { file, index, site } = ns;
    if (site.kind === 'method') continue;
    const hit = ctx.newGraph.resolver.capOf(file, index)!;
    if (!caps.some((p) => capMatches(hit.cap, p))) continue;
    let how: string | null = null;
    let severity: Severity = 'medium';
    let confidence: Confidence = 'medium';
    if (site.kind === 'macro') {
      // A dependency's own macro (`shellrun::sh!`, `duct::cmd!`) names its crate plainly; only a local
      // macro that assembles a path from its arguments hides one.
      if (hit.viaDependency || hit.resolved.endsWith('!')) continue;
      // An `asm!` or system call macro is the platform call itself (raw-syscall reports it), not a path put together.
      if (hit.resolved.startsWith('syscall(')) continue;
      how = `the local macro \`${short(site.text, 40)}!\` assembles the path from its arguments ${short(site.args ?? '', 60)}`;
      severity = 'high';
    } else {
      const written = writtenPath(ctx, file, site.line, site.column);
      if (/(^|[^\w])r#[A-Za-z_]/.test(written)) how = 'the path is written with raw identifiers (`r#…`)';
      else if (/\/\*|\/\//.test(written)) how = 'a comment sits inside the path';
      else if (/::\s*\n|\n\s*::/.test(written)) how = 'the path is broken over lines';
      else if (site.kind === 'path' && site.text.includes('::') && (capMatches(hit.cap, 'process') || capMatches(hit.cap, 'network')) && boundByLet(ctx, file, site.line, site.column)) {
        how = 'the function is taken as a value, so the call that runs it names only a local';
        confidence = 'low';
      } else {
        const local = ctx.newGraph.resolver.fullPath(file, index);
        if (local !== hit.resolved && !ctx.newGraph.resolver.isExternal(local)) {
          const wName = site.text.split('::').filter((x) => !/^[a-z_]/.test(x)).pop();
          const rName = hit.resolved.split('::').filter((x) => !/^[a-z_]/.test(x)).pop();
          if (wName && rName && wName !== rName) how = `\`${wName}\` is \`${rName}\` re-exported under another name in another module`;
        }
      }
    }
    if (!how) continue;
    out.push(siteMatch(ctx, file, index, { how, resolved: short(hit.resolved, 60), capability: hit.cap }, { severity, confidence }));
  }
  return out;
}
