import { createRequire } from 'node:module';

/*
 * ioredis is an optional peer dependency of @sockwire/server: only `@sockwire/server/redis` needs it. Importing
 * that entry without it fails here, at once, with the command that fixes it, instead of with Node's "Cannot find
 * package" later, at the first connection.
 */

export const IOREDIS_INSTALL_HINT = 'npm install ioredis';

/** `@sockwire/server/redis` was loaded where ioredis cannot be found. */
export class IoredisMissingError extends Error {
  constructor(cause: unknown) {
    super(
      `@sockwire/server/redis needs the ioredis package, an optional peer dependency of @sockwire/server ` +
        `that is not installed: run \`${IOREDIS_INSTALL_HINT}\` in your project`,
      { cause },
    );
    this.name = 'IoredisMissingError';
  }
}

/**
 * Throws IoredisMissingError unless ioredis resolves from where this module lies, which is where the Redis
 * broker and session bus import it from. Only a missing module is turned into that error: any other failure
 * of resolution (a broken package.json, say) is thrown as it is.
 */
export function assertIoredisInstalled(from: string = import.meta.url): void {
  try {
    createRequire(from).resolve('ioredis');
  } catch (error) {
    if (isModuleNotFound(error)) throw new IoredisMissingError(error);
    throw error;
  }
}

function isModuleNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'MODULE_NOT_FOUND';
}
