import type { TestInfo } from '@playwright/test';

/*
 * Time-to-open measurements, recorded on the test (annotation and console line for people, JSON attachment
 * for the summary reporter) and never asserted: they depend on the machine and its load, and the point is to
 * compare ours with sockjs-client under the same conditions. Several samples, each on a freshly loaded page,
 * and their median: one sample taken while the other worker launches a browser says little.
 */

export const TIMING_ATTACHMENT = 'open-timing.json';

export interface OpenTiming {
  /** The client library. */
  readonly client: string;
  /** What stood between the browser and the server, e.g. `refuse-upgrade proxy`. */
  readonly path: string;
  /** The transport of every sample, when they agree; otherwise all of them, comma-separated. */
  readonly transport: string;
  /** Milliseconds from the constructor call to `open`, one per sample. */
  readonly samples: readonly number[];
  readonly medianMs: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function describeTiming(timing: OpenTiming): string {
  return `${timing.transport} ${timing.medianMs} ms (${timing.samples.join(', ')})`;
}

export async function recordOpenTiming(info: TestInfo, timing: OpenTiming): Promise<void> {
  const line = `${timing.client} through ${timing.path}: ${describeTiming(timing)}`;
  info.annotations.push({ type: 'open-time', description: line });
  console.log(`[${info.project.name}] ${line}`);
  await info.attach(TIMING_ATTACHMENT, { body: JSON.stringify(timing), contentType: 'application/json' });
}
