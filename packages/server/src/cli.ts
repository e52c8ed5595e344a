import { parseArgs } from 'node:util';
import { startConformanceServer } from './cli/conformance.js';
import { runServe } from './cli/serve.js';

const USAGE = `Usage: sockwire <command> [options]

Commands:
  conformance --port <n> [--host <h>]   Serve the four services of the SockJS protocol test suite
                                        (/echo, /disabled_websocket_echo, /cookie_needed_echo, /close)
                                        on <h>, or on both loopback addresses by default.
  serve --port <n> [--host <h>] [--prefix /stomp] [--tcp-port <n>] [--allowed-origins a,b|*] [--static <dir>]
        [--broker redis://host:6379 | stomp://user:pass@host:61613]
                                        A standalone STOMP 1.2 broker over SockJS (raw WebSocket at
                                        <prefix>/websocket), plus plain STOMP over TCP with --tcp-port.
                                        --broker: share it through Redis, or relay it to RabbitMQ's
                                        STOMP adapter (one broker connection per client); in memory
                                        without it.
  help                                  Show this text.
`;

/** Stop cleanly on SIGINT/SIGTERM: close services and the HTTP server, then exit 0. */
function stopOn(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`sockwire: ${signal}, stopping\n`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`sockwire: error while stopping: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function parsePort(value: string | undefined, flag: string): number {
  const port = Number(value);
  if (value === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(
      `${flag} needs a port number from 0 to 65535${value === undefined ? '' : `, got ${value}`}`,
    );
  }
  return port;
}

class UsageError extends Error {}

async function conformance(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, host: { type: 'string' } },
    strict: true,
  });
  const server = await startConformanceServer(parsePort(values.port, '--port'), values.host);
  stopOn(() => server.close());
  process.stdout.write(`sockwire conformance: SockJS test services listening on ${server.url}\n`);
  for (const name of ['echo', 'disabled_websocket_echo', 'cookie_needed_echo', 'close']) {
    process.stdout.write(`  ${server.url}/${name}\n`);
  }
}

type Command = (argv: string[]) => Promise<void>;

const commands: Record<string, Command> = { conformance, serve: runServe };

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`sockwire: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  try {
    await command(rest);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (error instanceof TypeError && name === 'serve') {
      // serve's flag errors carry their own usage text.
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (error instanceof UsageError || code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`sockwire ${name}: ${(error as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`sockwire: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
