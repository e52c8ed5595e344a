#!/usr/bin/env node
/*
 * Re-render a saved run without measuring again (after a change to the report's format, or to look at an older
 * run): `node src/render.mjs [bench/results/<run>.json] [--write]`. Default: results/latest.json.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeBenchmarks } from './lib/benchmarks-file.mjs';
import { renderReport } from './lib/report.mjs';
import { renderHistoryReport } from './lib/report-history.mjs';
import { historyTargets, resumeTargets, sockwireBuildTargets, stompTargets, TARGETS } from './targets.mjs';
import { bundleDefs } from './workloads/bundles.mjs';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  options: { write: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const run = JSON.parse(readFileSync(positionals[0] ?? join(benchDir, 'results', 'latest.json'), 'utf8'));
const measured = new Set(
  Object.values(run.results).flatMap((byTarget) => Object.keys(/** @type {object} */ (byTarget))),
);
const w6 = new Set(
  Object.keys(run.results).flatMap((k) => (k.startsWith('W6-') ? Object.keys(run.results[k]) : [])),
);
const report = [
  renderReport(run, {
    targets: [
      ...TARGETS,
      ...(run.meta.sockwireBefore
        ? sockwireBuildTargets(run.meta.sockwireBefore.serverModule, run.meta.sockwireBefore.name)
        : []),
    ].filter((t) => measured.has(t.id)),
    stompTargets: stompTargets('').filter((t) => w6.has(t.id)),
    bundleDefs: bundleDefs(),
  }),
  renderHistoryReport(run, {
    historyTargets: historyTargets('').filter((t) => measured.has(t.id)),
    resumeTargets: resumeTargets('').filter((t) => measured.has(t.id)),
  }),
].join('\n');
console.log(report);
if (values.write && !writeBenchmarks(join(benchDir, '..'), report)) {
  console.error('render: BENCHMARKS.md has no bench:begin / bench:end markers: not written');
  process.exitCode = 1;
}
