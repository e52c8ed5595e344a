import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/*
 * axe-core, the accessibility checker, injected into the page as a plain script: the same code and the same
 * options in every engine, whether Playwright drives it (Chromium, Firefox) or WebDriver does (WebKitGTK),
 * which @axe-core/playwright cannot reach.
 */

const require = createRequire(import.meta.url);

/** axe-core's browser build; evaluating it defines `window.axe`. */
export const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.1 A and AA, and axe's best practices. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] as const;

export type AxeImpact = 'minor' | 'moderate' | 'serious' | 'critical';

export interface AxeViolation {
  readonly id: string;
  readonly impact: AxeImpact | null;
  readonly help: string;
  readonly helpUrl: string;
  /** The elements that fail, as CSS selectors, with axe's explanation. */
  readonly nodes: readonly { readonly target: string; readonly summary: string }[];
}

/** One check of one page state. */
export interface AxeReport {
  readonly state: string;
  readonly violations: readonly AxeViolation[];
  /** How many rules passed or did not apply: a check that ran nothing would be worthless. */
  readonly passes: number;
}

/** The violations that fail a test: what blocks or seriously hinders someone (axe's serious and critical). */
export function blocking(report: AxeReport): AxeViolation[] {
  return report.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** A line per violation, for an assertion message. */
export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations
    .map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target).join(', ')}`)
    .join('\n');
}

/**
 * Runs in the page (after AXE_SOURCE): axe over the whole document, answered as a JSON string (WebDriver takes
 * an object with an `error` key for a failure of its own). Plain JS, no closure: it is serialised to the page.
 */
export function runAxeInPage(tags: readonly string[], done: (json: string) => void): void {
  type Node = { target: unknown[]; failureSummary?: string };
  type Result = { id: string; impact: string | null; help: string; helpUrl: string; nodes: Node[] };
  const axe = (window as unknown as { axe: { run: (...args: unknown[]) => Promise<unknown> } }).axe;
  axe
    .run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
    .then((raw) => {
      const results = raw as { violations: Result[]; passes: unknown[]; inapplicable: unknown[] };
      done(
        JSON.stringify({
          passes: results.passes.length + results.inapplicable.length,
          violations: results.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            helpUrl: v.helpUrl,
            nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary ?? '' })),
          })),
        }),
      );
    })
    .catch((error: unknown) => done(JSON.stringify({ passes: 0, violations: [], thrown: String(error) })));
}
