import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { type RedisServer, startRedisServer } from './redis-server.js';

/** The redis-server of a test file (or describe block), with a plain connection to look at its keys. */
export interface TestRedis extends RedisServer {
  /** A plain connection: opened on first use, closed with the server. */
  readonly admin: Redis;
}

/**
 * A private redis-server for the tests of the file or describe block that calls this: started in its
 * beforeAll, stopped in its afterAll (which vitest runs after the afterAll hooks registered later, so nodes
 * built on it close first). Read it in tests and hooks: before beforeAll has run there is no server.
 */
export function useRedisServer(): TestRedis {
  let server: RedisServer | undefined;
  let admin: Redis | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    admin?.disconnect();
    admin = undefined;
    await server?.stop();
  });
  const started = (): RedisServer => {
    if (server === undefined)
      throw new Error('the redis-server starts in beforeAll: use it in tests and hooks');
    return server;
  };
  return {
    get port() {
      return started().port;
    },
    get url() {
      return started().url;
    },
    get admin() {
      admin ??= new Redis(started().url);
      return admin;
    },
    kill: () => started().kill(),
    start: () => started().start(),
    stop: () => started().stop(),
  };
}
