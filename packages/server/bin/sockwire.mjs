#!/usr/bin/env node
// The `sockwire` command. The CLI itself is built (dist/cli.js); this file is committed, so that installing
// the workspace can link the command before anything is built, and says what to do if the build is missing.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(
    `sockwire: ${fileURLToPath(cli)} is not built yet. From the repository root, run \`npm run build\`, ` +
      'or run the CLI as `npm run sockwire -- <command>`, which installs and builds first when needed.\n',
  );
  process.exit(1);
}
await import(cli.href);
