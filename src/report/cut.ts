/**
 * Shortens one line of text to at most `max` characters (the ellipsis included) at a word boundary,
 * never inside a backtick code span: a message quoting `std::process::Command::new(&path)` loses the
 * whole quote rather than half a signature. Text that fits is returned unchanged.
 */
export function cutWords(s: string, max: number): string {
  if (s.length <= max) return s;
  const room = Math.max(1, max - 1);
  let cut = s.lastIndexOf(' ', room);
  // An odd number of backticks before the cut: it falls inside a span; cut before the span opens.
  while (cut > 0 && (s.slice(0, cut).match(/`/g)?.length ?? 0) % 2 === 1) {
    const open = s.lastIndexOf('`', cut - 1);
    cut = open > 0 ? s.lastIndexOf(' ', open - 1) : -1;
  }
  if (cut <= 0) {
    // No word boundary outside code in reach: a hard cut, but still not inside a span.
    const head = s.slice(0, room);
    const ticks = head.match(/`/g)?.length ?? 0;
    const safe = ticks % 2 === 1 ? head.slice(0, head.lastIndexOf('`')) : head;
    return `${safe.trimEnd()}…`;
  }
  return `${s.slice(0, cut).replace(/[\s,;:(\u2014-]+$/u, '')}…`;
}

/**
 * The first sentence of a description (up to a `.`, `!` or `?` that a capitalised word or the end
 * follows, so "e.g. the" does not end it), cut at `max` on a word boundary.
 */
export function firstSentence(s: string, max = 200): string {
  const m = /^(.+?[.!?])(?=\s+[A-Z`"'([]|\s*$)/su.exec(s.trim());
  return cutWords((m ? m[1] : s.trim()).replace(/\s+/g, ' '), max);
}
