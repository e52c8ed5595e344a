// The code examples of the READMEs, as data: every fenced block, what kind of example it is, and how to know it
// worked. Pure (no I/O beyond what the caller reads): the runner (scripts/test/readme-examples.test.mjs and
// e2e/tests/readme-examples.spec.ts) decides how to run each kind.
//
// A block in a language a reader could run (js, ts, html, sh, bash) must say how it is checked, in an HTML
// comment on the line right before its fence (invisible on GitHub):
//
//   <!-- example: node expect="hello" -->        a Node program (ESM; ts has its types stripped); it passes once
//                                                 its output contains `expect` (or it exits 0 without one);
//                                                 `expect="a|b"` wants both
//   <!-- example: server echo="/echo" -->        a Node program that serves: it passes once a real SockJS
//                                                 client echoes a message through `<its URL><echo>`
//   <!-- example: browser expect="hello" -->     an HTML page, served by `sockwire serve --static`: it passes
//                                                 once the page's console shows `expect`
//   <!-- example: shell ready="pattern" -->      a command from the repository root: it passes once its output
//                                                 matches the regular expression `ready` (then it is stopped),
//                                                 or it exits 0 without one
//   <!-- example: none reason="..." -->          not run, and the reason says why (the test command itself)
//
// `server="serve"` on node and browser examples starts `sockwire serve --port 8080` first (the README says so
// where it shows them). Port 8080 in an example stands for the port the runner picked: it is the only thing
// rewritten. Blocks without a language, or in `text`, are not examples (layouts, Redis ACL lines).

export const RUNNABLE_LANGUAGES = new Set(['js', 'javascript', 'ts', 'typescript', 'html', 'sh', 'bash']);
const KINDS = new Set(['node', 'server', 'browser', 'shell', 'none']);
/** Which kinds a language may declare. */
const KINDS_FOR = {
  js: ['node', 'server'],
  javascript: ['node', 'server'],
  ts: ['node', 'server'],
  typescript: ['node', 'server'],
  html: ['browser'],
  sh: ['shell', 'none'],
  bash: ['shell', 'none'],
};
export const EXAMPLE_PORT = 8080;

/**
 * Every fenced block of `markdown`: `{ line, lang, code, annotation }`, `annotation` being the parsed comment
 * before it (null if there is none), `line` the fence's 1-based line.
 */
export function fencedBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]);
    if (open === null) continue;
    const [, indent, fence, lang] = open;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].trimStart().startsWith(fence)) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
      j++;
    }
    let k = i - 1;
    while (k >= 0 && lines[k].trim() === '') k--;
    const comment = k >= 0 ? /^\s*<!--\s*example:(.*?)-->\s*$/.exec(lines[k]) : null;
    blocks.push({
      line: i + 1,
      lang: lang.toLowerCase(),
      code: `${body.join('\n')}\n`,
      annotation: comment === null ? null : parseAnnotation(comment[1]),
    });
    i = j;
  }
  return blocks;
}

/** `node expect="a b" server="serve"` → `{ kind: 'node', expect: 'a b', server: 'serve' }`. */
export function parseAnnotation(text) {
  const words = text.trim();
  const kind = /^[a-z]+/.exec(words)?.[0] ?? '';
  const fields = { kind };
  for (const match of words.slice(kind.length).matchAll(/([a-z-]+)="((?:[^"\\]|\\.)*)"/g)) {
    // Only `\"` is unescaped: a regular expression keeps its own backslashes.
    fields[match[1]] = match[2].replaceAll('\\"', '"');
  }
  return fields;
}

/**
 * The examples of one README, each checked: runnable blocks must be annotated with a kind their language
 * allows (and `none` must give a reason). Returns `{ examples, problems }`, problems as `file:line: text`.
 */
export function examplesOf(file, markdown) {
  const examples = [];
  const problems = [];
  for (const block of fencedBlocks(markdown)) {
    if (!RUNNABLE_LANGUAGES.has(block.lang)) {
      if (block.annotation !== null)
        problems.push(`${file}:${block.line}: annotated, but ${block.lang || 'no language'} is not run`);
      continue;
    }
    const where = `${file}:${block.line}`;
    const { annotation } = block;
    if (annotation === null) {
      problems.push(`${where}: a ${block.lang} block without <!-- example: ... --> (say how it is checked)`);
      continue;
    }
    if (!KINDS.has(annotation.kind) || !KINDS_FOR[block.lang].includes(annotation.kind)) {
      problems.push(`${where}: kind "${annotation.kind}" does not fit a ${block.lang} block`);
      continue;
    }
    if (annotation.kind === 'none' && !annotation.reason) {
      problems.push(`${where}: "none" needs a reason`);
      continue;
    }
    examples.push({ file, ...block, name: `${where} (${annotation.kind})` });
  }
  return { examples, problems };
}

/** The texts an example's output must contain (`expect="a|b"`: both). */
export function expectations(annotation) {
  return annotation.expect === undefined ? [] : annotation.expect.split('|');
}

/** The example's code with the example port (8080, wherever it appears) replaced by the runner's. */
export function withPort(code, port) {
  return code.replace(new RegExp(`\\b${EXAMPLE_PORT}\\b`, 'g'), String(port));
}
