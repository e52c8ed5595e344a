import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
const cli = join(root, 'packages', 'server', 'dist', 'cli.js');
const examples: Example[] = (readmeFiles(root) as string[])
  .flatMap(
    (file) => (examplesOf(file, readFileSync(join(root, file), 'utf8')) as { examples: Example[] }).examples,
  )
  .filter((example) => example.annotation.kind === 'browser');

/** Keeps every console.log line of the page where the test can read it. */
const CONSOLE_CAPTURE =
  '<script>window.__exampleLog=[];(function(log){console.log=function(){' +
  'window.__exampleLog.push([].slice.call(arguments).join(" "));log.apply(console,arguments)}})(console.log)</script>';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `sockwire serve --static <dir>` on a free port, until it prints its URLs. */
async function serve(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--port', String(port), '--host', '127.0.0.1', '--static', dir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // The built CLI, as a reader runs it, not the TypeScript sources the workers import (`source` condition).
      env: { ...process.env, NODE_OPTIONS: '' },
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`sockwire serve exited (${code}):\n${output}`)));
  });
  return child;
}

inEveryEngine((test) => {
  test('the READMEs have <script> examples to run', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  for (const example of examples) {
    test(example.name, async ({ engine }) => {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'sockwire-readme-page-'));
      const page = withPort(example.code, port);
      writeFileSync(join(dir, 'index.html'), page.replace(/<script/i, `${CONSOLE_CAPTURE}<script`));
      const server = await serve(dir, port);
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
        server.kill('SIGTERM');
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
