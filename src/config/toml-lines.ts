/**
 * Finds the line of a key in TOML text. smol-toml gives positions only for syntax errors, yet a schema
 * error must name the line too, so this walks the text once, tracking table headers (with the index of
 * each `[[array]]` entry) and the keys assigned under them. Approximate by design: a key inside an inline
 * table or a multi-line value is located at the line that opens it.
 */

type PathPart = string | number;

/** Splits a dotted key (`a."b.c".d`) into its parts; null when the text is not a key. */
function splitKey(text: string): string[] | null {
  const parts: string[] = [];
  let i = 0;
  const s = text.trim();
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    const q = s[i];
    if (q === '"' || q === "'") {
      const end = s.indexOf(q, i + 1);
      if (end < 0) return null;
      parts.push(s.slice(i + 1, end));
      i = end + 1;
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(s.slice(i));
      if (!m) return null;
      parts.push(m[0]);
      i += m[0].length;
    }
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i < s.length) {
      if (s[i] !== '.') return null;
      i++;
    }
  }
  return parts.length > 0 ? parts : null;
}

/** The key of an assignment line (`key = value`), without reading the value. */
function assignedKey(line: string): string[] | null {
  // The first `=` outside quotes ends the key.
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '=') return splitKey(line.slice(0, i));
    else if (c === '#') return null;
  }
  return null;
}

const MAX_PARTS = 64;

interface Located {
  path: PathPart[];
  line: number;
}

/** Every header and key of the text with its 1-based line, in order. */
export function locateKeys(text: string): Located[] {
  const out: Located[] = [];
  const arrayCounts = new Map<string, number>();
  let table: PathPart[] = [];
  let inMultiline: string | null = null;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n];
    if (inMultiline) {
      if (raw.includes(inMultiline)) inMultiline = null;
      continue;
    }
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const arr = /^\[\[(.+?)\]\]\s*(#.*)?$/.exec(line);
    const tab = arr ? null : /^\[(.+?)\]\s*(#.*)?$/.exec(line);
    if (arr || tab) {
      const parts = splitKey((arr ?? tab)![1]);
      // No real key is this deep; a hostile one must not make the walk quadratic.
      if (!parts || parts.length > MAX_PARTS) continue;
      // Array entries are counted under the concrete path of their parent, so nested arrays index right.
      const concrete: PathPart[] = [];
      for (const p of parts) {
        concrete.push(p);
        const key = JSON.stringify(concrete);
        if (arrayCounts.has(key) && concrete.length < parts.length) concrete.push(arrayCounts.get(key)! - 1);
      }
      if (arr) {
        const key = JSON.stringify(concrete);
        const idx = arrayCounts.get(key) ?? 0;
        arrayCounts.set(key, idx + 1);
        concrete.push(idx);
      }
      table = concrete;
      out.push({ path: table, line: n + 1 });
      continue;
    }
    const key = assignedKey(line);
    if (!key) continue;
    out.push({ path: [...table, ...key], line: n + 1 });
    const value = line.slice(line.indexOf('=') + 1).trim();
    for (const q of ['"""', "'''"]) {
      if (value.startsWith(q) && !value.slice(3).includes(q)) inMultiline = q;
    }
  }
  return out;
}

const isPrefix = (a: PathPart[], b: PathPart[]) => a.length <= b.length && a.every((p, i) => String(p) === String(b[i]));

/**
 * The 1-based line of `path` (e.g. `['suppress', 0, 'reason']`): the key itself when it is written,
 * else the closest written parent (the table header, or the inline table holding it), else the first
 * longer key that starts with it, else null.
 */
export function lineOfKey(text: string, path: PathPart[]): number | null {
  let best: Located | null = null;
  let under: Located | null = null;
  for (const k of locateKeys(text)) {
    if (!under && isPrefix(path, k.path)) under = k;
    if (!isPrefix(k.path, path)) continue;
    if (!best || k.path.length > best.path.length) best = k;
    if (k.path.length === path.length) return k.line;
  }
  // Written only as part of a longer key (`[a.b.c]` for the table `a`): the first line that does.
  return (best ?? under)?.line ?? null;
}
