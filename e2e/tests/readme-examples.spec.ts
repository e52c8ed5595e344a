import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServe } from '@sockwire/test-support/serve';
import { type Example, examplesOf, expectations, withPort } from '../../scripts/lib/readme-examples.mjs';
import { readmeFiles } from '../../scripts/lib/readme-files.mjs';
import { expect, inEveryEngine } from '../src/fixtures.js';

/*
 * The `<script>` examples of the READMEs (`<!-- example: browser expect="..." -->`, see
 * scripts/lib/readme-examples.mjs), each in every engine: the page is served as written by
 * `sockwire serve --static` (which also serves the client's script-tag files and the /echo service the
 * examples use), and passes once its console shows the expected text. The console is read through a small
 * script put in front of the page's own, the one thing added to it. The Node examples run in
 * scripts/test/readme-examples.test.mjs.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const examples: Example[] = (readmeFiles(root) as string[])
  .flatMap(
    (file) => (examplesOf(file, readFileSync(join(root, file), 'utf8')) as { examples: Example[] }).examples,
  )
  .filter((example) => example.annotation.kind === 'browser');

/** Keeps every console.log line of the page where the test can read it. */
const CONSOLE_CAPTURE =
  '<script>window.__exampleLog=[];(function(log){console.log=function(){' +
  'window.__exampleLog.push([].slice.call(arguments).join(" "));log.apply(console,arguments)}})(console.log)</script>';

inEveryEngine((test) => {
  test('the READMEs have <script> examples to run', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  for (const example of examples) {
    test(example.name, async ({ engine }) => {
      const dir = mkdtempSync(join(tmpdir(), 'sockwire-readme-page-'));
      // The built CLI, as a reader runs it, not the TypeScript sources the workers import (`source` condition).
      const server = await startServe(['--static', dir], { env: { ...process.env, NODE_OPTIONS: '' } });
      const { port } = server;
      const page = withPort(example.code, port);
      writeFileSync(join(dir, 'index.html'), page.replace(/<script/i, `${CONSOLE_CAPTURE}<script`));
      try {
        await engine.open(`http://127.0.0.1:${port}/`);
        const wanted = expectations(example.annotation);
        expect(wanted.length, `${example.name} says what its console shows (expect="...")`).toBeGreaterThan(
          0,
        );
        const seen = (log: string) => wanted.every((text) => log.includes(text));
        const deadline = Date.now() + 20_000;
        let log = '';
        while (!seen(log) && Date.now() < deadline) {
          log = await engine.evaluate(() =>
            ((window as unknown as { __exampleLog?: string[] }).__exampleLog ?? []).join('\n'),
          );
          if (!seen(log)) await new Promise((resolve) => setTimeout(resolve, 200));
        }
        for (const text of wanted) expect(log, `the console of ${example.name}`).toContain(text);
      } finally {
        await server.stop('SIGTERM');
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
