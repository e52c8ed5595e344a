/* Number formatting for the markdown tables. */

/** @param {number} x */
export function rate(x) {
  if (!Number.isFinite(x)) return '—';
  if (x >= 100_000) return `${Math.round(x / 1000)}k`;
  if (x >= 10_000) return `${(x / 1000).toFixed(1)}k`;
  return String(Math.round(x));
}

/** @param {number} x @param {number} [digits] */
export function num(x, digits = 1) {
  return Number.isFinite(x) ? x.toFixed(digits) : '—';
}

/** @param {number} x ratio */
export function ratio(x) {
  return Number.isFinite(x) ? `${x.toFixed(2)}x` : '—';
}

/** @param {number} ms */
export function ms(ms) {
  if (!Number.isFinite(ms)) return '—';
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : String(Math.round(ms));
}

/** @param {number} bytes */
export function kib(bytes) {
  return Number.isFinite(bytes) ? (bytes / 1024).toFixed(1) : '—';
}

/**
 * @param {string[]} header
 * @param {string[][]} rows
 */
export function table(header, rows) {
  const line = (/** @type {string[]} */ cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
