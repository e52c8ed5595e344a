/*
 * Which @stomp/stompjs the client's STOMP tests run against. The root vitest config runs them on the
 * devDependency `@stomp/stompjs` (the newest 7.x); packages/client/vitest.stompjs-oldest.config.ts runs them
 * again on `@stomp/stompjs-oldest` (the oldest version of the peer range), by aliasing '@stomp/stompjs' to it.
 * Each config hands the version it means to the tests (`inject('stompjs')`), and stompjs.test.ts checks that
 * the module the tests import is that one.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StompjsInstall {
  /** The installed package's `name@version`, as the test names and the checks print it. */
  readonly version: string;
  /** Absolute path of its ESM entry (what `import '@stomp/stompjs'` loads). */
  readonly entry: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stompjs: StompjsInstall;
  }
}

/** The stompjs installed as `packages/client/node_modules/<name>` (a devDependency of @sockwire/client). */
export function stompjsInstall(name: string): StompjsInstall {
  const dir = realpathSync(fileURLToPath(new URL(`../../node_modules/${name}`, import.meta.url)));
  const manifest: { name: string; version: string } = JSON.parse(
    readFileSync(join(dir, 'package.json'), 'utf8'),
  );
  return { version: `${manifest.name}@${manifest.version}`, entry: join(dir, 'esm6', 'index.js') };
}
