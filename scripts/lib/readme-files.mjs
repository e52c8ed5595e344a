// The Markdown files a reader meets: every tracked `.md` of the repository (READMEs, SECURITY.md,
// BENCHMARKS.md), whose code examples the README example runner checks.
import { execFileSync } from 'node:child_process';

export function readmeFiles(root) {
  const listed = execFileSync('git', ['ls-files', '*.md'], { cwd: root, encoding: 'utf8' });
  return listed
    .split('\n')
    .filter((file) => file !== '' && !file.includes('node_modules/'))
    .sort();
}
