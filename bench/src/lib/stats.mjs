/* Small statistics helpers: medians over repetitions, percentiles over latency samples. */

/** @param {readonly number[]} values */
export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  const hi = v[mid] ?? Number.NaN;
  return v.length % 2 === 1 ? hi : ((v[mid - 1] ?? Number.NaN) + hi) / 2;
}

/**
 * @param {readonly number[]} values
 * @returns {[number, number]}
 */
export function minMax(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return v.length === 0 ? [Number.NaN, Number.NaN] : [Math.min(...v), Math.max(...v)];
}

/**
 * Latency samples in a fixed buffer: bounded memory whatever the rate. Past capacity it keeps every k-th
 * sample, which leaves the percentiles unbiased for a steady phase.
 */
export class Samples {
  /** @param {number} capacity */
  constructor(capacity = 1 << 20) {
    this.buf = new Float64Array(capacity);
    this.length = 0;
    this.seen = 0;
    this.stride = 1;
  }

  /** @param {number} value */
  add(value) {
    if (this.seen++ % this.stride !== 0) return;
    if (this.length === this.buf.length) {
      // Halve: keep every other sample and record half as often from now on.
      for (let i = 0; i < this.length / 2; i++) this.buf[i] = /** @type {number} */ (this.buf[i * 2]);
      this.length /= 2;
      this.stride *= 2;
    }
    this.buf[this.length++] = value;
  }

  /** @param {number[]} ps percentiles in 0..100 */
  percentiles(ps) {
    const sorted = this.buf.slice(0, this.length).sort();
    return ps.map((p) =>
      sorted.length === 0
        ? Number.NaN
        : /** @type {number} */ (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]),
    );
  }
}
