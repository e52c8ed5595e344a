// The reviewed record of each public package's API: packages/<pkg>/api/<entry>.api.md, one per entry with types
// (scripts/lib/api-report.mjs says what is in it). Needs the build (node scripts/build.mjs).
//   node scripts/api-report.mjs           check: exits 1, naming the reports, if any is out of date
//   node scripts/api-report.mjs --write   regenerate them (commit the diff: it is the API change)
// scripts/test/api-report.test.mjs runs the check in the test command.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiReports, existingReports, REGENERATE } from './lib/api-report.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
if (args.some((arg) => arg !== '--write')) {
  console.error('usage: node scripts/api-report.mjs [--write]');
  process.exit(2);
}
const write = args.includes('--write');

const reports = apiReports(root);
const wanted = new Set(reports.map(({ file }) => file));
const current = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};
const changed = reports.filter(({ file, text }) => current(file) !== text);
const stale = existingReports(root).filter((file) => !wanted.has(file));

if (write) {
  for (const { file, text } of changed) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.log(`wrote ${relative(root, file)}`);
  }
  for (const file of stale) {
    rmSync(file);
    console.log(`removed ${relative(root, file)} (no entry makes it any more)`);
  }
  console.log(`${reports.length} API reports, ${changed.length + stale.length} changed`);
} else if (changed.length + stale.length > 0) {
  for (const { file } of changed) console.error(`out of date: ${relative(root, file)}`);
  for (const file of stale) console.error(`no longer made by any entry: ${relative(root, file)}`);
  console.error(
    `The public API changed. Review the change, then run \`${REGENERATE}\` and commit the reports.`,
  );
  process.exit(1);
} else {
  console.log(`${reports.length} API reports, all up to date`);
}
