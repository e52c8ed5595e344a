import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import root from '../../vitest.config.js';
import { stompjsInstall } from './test/support/stompjs-install.js';

/*
 * The client's STOMP tests again, on the oldest @stomp/stompjs of the peer range (the devDependency
 * `@stomp/stompjs-oldest`): '@stomp/stompjs' is aliased to it, for the tests and for src/stomp*.ts alike. The
 * test command runs this beside the root config, whose run uses the newest 7.x, and counts each test once per
 * version (scripts/test-all.mjs).
 */
const oldest = stompjsInstall('@stomp/stompjs-oldest');

export default defineConfig({
  ...root,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: { ...root.resolve, alias: { ...root.resolve?.alias, '@stomp/stompjs': oldest.entry } },
  test: {
    ...root.test,
    include: ['packages/client/test/stomp*.test.ts'],
    provide: { stompjs: oldest },
  },
});
