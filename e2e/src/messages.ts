/*
 * What the echo scenarios send: text that each layer between two browsers tends to get wrong.
 */

/** Every code unit in [from, to], as one string. */
function range(from: number, to: number): string {
  let text = '';
  for (let unit = from; unit <= to; unit++) text += String.fromCharCode(unit);
  return text;
}

/**
 * The characters SockJS sends as `\uXXXX` escapes: the union of what servers must escape (C0 controls, the
 * zero-width and bidi marks, line and paragraph separators, invisible operators, the specials block) and what
 * clients escape (C1 controls, soft hyphen, Arabic/Syriac/Khmer format characters, BOM). Browsers and proxies
 * rewrite some of them (U+2028 ends a JS string literal in old engines; U+FEFF is stripped as a BOM; NUL ends C
 * strings), which is why they travel escaped. Lone surrogates are left out: no UTF-8 transport can carry them.
 */
export const SOCKJS_ESCAPED = [
  range(0x00, 0x1f),
  range(0x7f, 0x9f),
  '\u00ad',
  range(0x0600, 0x0604),
  '\u070f\u17b4\u17b5',
  range(0x200c, 0x200f),
  range(0x2028, 0x202f),
  range(0x2060, 0x206f),
  '\ufeff',
  range(0xfff0, 0xffff),
].join('');

export const ECHO_MESSAGES: readonly string[] = [
  'hello',
  // Two-, three- and four-byte UTF-8, the last as a surrogate pair in JS; and the JSON and HTML specials.
  'héllo wörld · Ελληνικά · 日本語 · 🎉👩‍💻 · "quoted" \\ back/slash </script> <!-- & ',
  SOCKJS_ESCAPED,
  // Larger than one TCP segment and than a small read buffer, smaller than a streaming response limit.
  'x'.repeat(20_000) + '✓'.repeat(5_000) + 'end',
];

/** One short message: enough to prove that a connection which just opened carries data both ways. */
export const PING: readonly string[] = ['ping'];
