import type { Redis, RedisOptions } from 'ioredis';
import type { ResolvedRedisBrokerOptions } from './options.js';

/** What a connection is for: one for commands, one in subscriber mode, one per consumed queue (blocking reads). */
export type ConnectionRole = 'command' | 'subscriber' | `reader:${string}`;

export type OpenConnection = (role: ConnectionRole) => Redis;

/** Failures and state the broker reports through `stats()`. */
export interface ConnectionHealth {
  errors: number;
  lastError: string | undefined;
}

/**
 * Settings every broker connection gets, whatever the user's client had:
 * - no offline queue, no resending after a reconnect, and commands in flight when the connection drops fail
 *   at once (`maxRetriesPerRequest: 0`; otherwise ioredis keeps them, unanswered, for 20 reconnect attempts):
 *   a command reaches Redis now or fails now, so a publish during an outage is an error the client sees, not a
 *   message that surfaces minutes later, and a blocking read does not hang across a reconnect;
 * - no ioredis key prefix: the broker names its keys itself, also inside scripts where ioredis cannot.
 * ioredis still reconnects by itself, and resubscribes the subscriber's channels when it does.
 */
function connectionSettings(settings: ResolvedRedisBrokerOptions, role: ConnectionRole): RedisOptions {
  const blocking = role.startsWith('reader:');
  return {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    keyPrefix: '',
    lazyConnect: false,
    connectionName: `sockwire:${settings.nodeId}:${role.replace(/[^\w:/.-]/g, '_')}`,
    // A blocking read legitimately waits: only other commands get a time limit.
    ...(blocking ? {} : { commandTimeout: settings.commandTimeout }),
  };
}

/**
 * A function that opens connections with the broker's settings. ioredis is imported here, on first use,
 * so that servers on the memory broker never load it.
 */
export async function connectionOpener(
  settings: ResolvedRedisBrokerOptions,
  health: ConnectionHealth,
): Promise<OpenConnection> {
  const template = settings.client;
  let create: (role: ConnectionRole) => Redis;
  if (template !== undefined) {
    create = (role) => template.duplicate(connectionSettings(settings, role));
  } else {
    const { Redis: RedisClient } = await import('ioredis');
    create = (role) => new RedisClient(settings.url, connectionSettings(settings, role));
  }
  return (role) => watch(create(role), role, settings, health);
}

/**
 * Log state changes; an 'error' listener is also what keeps a lost connection from crashing the process.
 * `healthy` is not cleared by 'close': a Redis that goes away cleanly (a FIN, no reset) closes the connection
 * without an error, and the first failed reconnect attempt is then the first news of the outage.
 */
function watch(
  connection: Redis,
  role: ConnectionRole,
  settings: ResolvedRedisBrokerOptions,
  health: ConnectionHealth,
): Redis {
  let healthy = false;
  connection.on('ready', () => {
    healthy = true;
    settings.log('info', `Redis broker ${settings.nodeId}: ${role} connection ready`);
  });
  connection.on('error', (error: Error) => {
    health.errors++;
    health.lastError = `${role}: ${error.message}`;
    // ioredis reports every failed reconnect attempt: the first one of an outage is the news.
    settings.log(healthy ? 'error' : 'debug', `Redis broker ${settings.nodeId}: ${role}: ${error.message}`);
    healthy = false;
  });
  return connection;
}

/** Resolve when the connection is ready; reject after `timeout` ms or when it is closed for good. */
export function whenReady(connection: Redis, timeout: number): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      connection.off('end', onEnd);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReady = (): void => done();
    const onEnd = (): void => done(new Error('the connection was closed'));
    const timer = setTimeout(() => done(new Error(`not connected within ${timeout} ms`)), timeout);
    connection.on('ready', onReady);
    connection.on('end', onEnd);
  });
}

/** Close politely when possible (replies still due arrive first), at once otherwise. */
export async function closeConnection(connection: Redis, timeout: number): Promise<void> {
  if (connection.status === 'end') return;
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeout);
  });
  await Promise.race([connection.quit().catch(() => undefined), late]);
  clearTimeout(timer);
  // Still open when QUIT got no answer in time (the status changed while we waited, whatever TS infers).
  if ((connection.status as string) !== 'end') connection.disconnect();
}
