import { isApplicationCloseCode } from '@sockwire/protocol';

/** An error's message, or the thrown value as text. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * UTF-8 size of a string without encoding it (a 1 MB message should not cost a 1 MB copy to measure).
 * Each half of a surrogate pair counts 2, so a pair counts 4; a lone surrogate counts 2 where its U+FFFD
 * replacement would take 3, which no caller needs to be exact about.
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) bytes += unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

/** The W3C argument checks of `WebSocket.close()`. */
export function checkCloseArguments(code: number | undefined, reason: string | undefined): void {
  if (code !== undefined && !isApplicationCloseCode(code)) {
    throw new DOMException(`Close code ${code} is not 1000 or 3000-4999`, 'InvalidAccessError');
  }
  if (reason !== undefined && utf8Length(reason) > 123) {
    throw new DOMException('Close reason over 123 UTF-8 bytes', 'SyntaxError');
  }
}
