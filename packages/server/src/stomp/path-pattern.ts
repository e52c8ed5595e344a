/**
 * Application destination patterns, Spring style: `{name}` captures one path segment, `*` matches one
 * segment without capturing, and a trailing `**` matches the rest (also nothing). Everything else is literal.
 * Captured values are passed on as written (not percent-decoded), as Spring does.
 */
export interface PathPattern {
  readonly source: string;
  readonly names: readonly string[];
  /** Literal patterns are matched by string comparison first: they win over any pattern with variables. */
  readonly literal: boolean;
  match(path: string): Readonly<Record<string, string>> | undefined;
}

const TOKEN = /\{([A-Za-z_$][\w$]*)\}|\*\*|\*/g;

export function compilePattern(source: string): PathPattern {
  if (!source.startsWith('/'))
    throw new TypeError(`Sockwire STOMP: pattern must start with "/", got ${source}`);
  const names: string[] = [];
  let regex = '^';
  let last = 0;
  for (const match of source.matchAll(TOKEN)) {
    regex += escapeRegex(source.slice(last, match.index));
    if (match[1] !== undefined) {
      if (names.includes(match[1]))
        throw new TypeError(`Sockwire STOMP: {${match[1]}} appears twice in ${source}`);
      names.push(match[1]);
      regex += '([^/]+)';
    } else if (match[0] === '**') {
      if (match.index + 2 !== source.length)
        throw new TypeError(`Sockwire STOMP: ** must end the pattern ${source}`);
      regex += '.*';
    } else {
      regex += '[^/]+';
    }
    last = match.index + match[0].length;
  }
  regex += `${escapeRegex(source.slice(last))}$`;
  const compiled = new RegExp(regex);
  const literal = names.length === 0 && !source.includes('*');
  return {
    source,
    names,
    literal,
    match(path) {
      if (literal) return path === source ? {} : undefined;
      const found = compiled.exec(path);
      if (found === null) return undefined;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        params[name] = found[i + 1] as string;
      });
      return params;
    },
  };
}

/** Substitute `{name}` in a target destination (`/topic/rooms/{room}`) with captured values. */
export function fillPattern(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/\{([A-Za-z_$][\w$]*)\}/g, (whole, name: string) => params[name] ?? whole);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
