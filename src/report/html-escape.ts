/** Characters that reorder or hide text (Trojan Source): shown as a visible marker instead. */
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;
const HAS_INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/;

/**
 * Escapes report text (attacker-controlled: file names, code, messages) for HTML text and
 * double- or single-quoted attribute values.
 */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** `escapeHtml`, with bidi controls and zero-width characters made visible (for code and names). */
export function escapeCode(s: string): string {
  const e = escapeHtml(s);
  return HAS_INVISIBLE.test(e) ? e.replace(INVISIBLE, (c) => `<span class="bidi" title="invisible character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}">U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}</span>`) : e;
}
