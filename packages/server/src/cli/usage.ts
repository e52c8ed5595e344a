import { type ParseArgsConfig, parseArgs } from 'node:util';

/* What every command of the CLI shares about its command line: help, and one-line errors. */

/**
 * A mistake on the command line: one line naming the problem and where the help is. A TypeError, as the
 * programmatic callers of parseServeArgs have always caught. The CLI prints it and exits with status 2.
 */
export class UsageError extends TypeError {
  constructor(command: string, problem: string) {
    super(`sockwire ${command}: ${problem} (see sockwire ${command} --help)`);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** `--help` / `-h` among the flags (before a `--`): the command prints its usage and does nothing else. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/**
 * `parseArgs` in strict mode, its errors turned into one-line UsageErrors (Node's own texts advise about
 * positional arguments and `--flag=-XYZ`, which fits no command here).
 */
export function parseFlags<T extends Options>(command: string, argv: readonly string[], options: T) {
  try {
    return parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (!code?.startsWith('ERR_PARSE_ARGS')) throw error;
    throw new UsageError(command, parseProblem((error as Error).message));
  }
}

function parseProblem(message: string): string {
  const unknown = /^Unknown option '([^']*)'/.exec(message);
  if (unknown !== null) return `unknown option ${unknown[1]}`;
  const positional = /^Unexpected argument '([^']*)'/.exec(message);
  if (positional !== null) return `unexpected argument ${positional[1]}`;
  const missing = /^Option '([^' ]+)(?: <value>)?' argument (?:missing|is ambiguous)/.exec(message);
  if (missing !== null) return `${missing[1]} needs a value`;
  const extra = /^Option '([^' ]+)' does not take an argument/.exec(message);
  if (extra !== null) return `${extra[1]} takes no value`;
  return message.split('\n')[0] ?? message;
}
