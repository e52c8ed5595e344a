import { CONFORMANCE_USAGE, runConformance } from './cli/conformance.js';
import { runServe, SERVE_USAGE } from './cli/serve.js';
import { UsageError, wantsHelp } from './cli/usage.js';

/* The `sockwire` command: finds the command, prints help, and turns mistakes into one line and status 2. */

const USAGE = `Usage: sockwire <command> [options]

Commands:
  serve         A standalone STOMP 1.2 broker over SockJS, a raw WebSocket and plain TCP, with
                @sockwire/client's <script> files, an /echo service and a sample /app handler beside it
  conformance   The four services of the SockJS protocol test suite (/echo, /close, ...), for testing
  help [<command>]
                Show this text, or a command's

Run \`sockwire <command> --help\` for a command's options, each with its default.
`;

interface Command {
  readonly usage: string;
  run(argv: string[]): Promise<void>;
}

const commands: Readonly<Record<string, Command>> = {
  serve: { usage: SERVE_USAGE, run: runServe },
  conformance: { usage: CONFORMANCE_USAGE, run: runConformance },
};

const HELP = new Set(['help', '--help', '-h']);

/** One line on stderr and status 2: the usage itself is for `--help`. */
function refuse(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 2;
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stdout.write(USAGE);
    return;
  }
  if (HELP.has(name)) {
    const [topic, ...more] = rest;
    const command = topic === undefined ? undefined : commands[topic];
    if (topic !== undefined && command === undefined) {
      refuse(`sockwire help: unknown command ${JSON.stringify(topic)} (see sockwire --help)`);
    } else if (more.length > 0) {
      refuse(`sockwire help: unexpected argument ${more[0]} (see sockwire --help)`);
    } else {
      process.stdout.write(command?.usage ?? USAGE);
    }
    return;
  }
  const command = commands[name];
  if (command === undefined) {
    const what = name.startsWith('-') ? 'option' : 'command';
    refuse(`sockwire: unknown ${what} ${JSON.stringify(name)} (see sockwire --help)`);
    return;
  }
  if (wantsHelp(rest)) {
    process.stdout.write(command.usage);
    return;
  }
  try {
    await command.run(rest);
  } catch (error) {
    // A UsageError names the flag and where the help is. serve's other TypeErrors are about the values the
    // flags gave (a --broker URL it cannot use, say): they say so themselves.
    if (error instanceof UsageError || (error instanceof TypeError && name === 'serve')) {
      refuse(error.message);
      return;
    }
    throw error;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`sockwire: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
