// The public API of each package entry, as a normalised Markdown report (packages/<pkg>/api/<entry>.api.md),
// read from the entry's emitted declarations (dist/*.d.ts, after the build) with the TypeScript compiler API.
// Normalised so that only an API change changes it: exports sorted by name, each with its declaration as the
// TypeScript printer writes it (no comments, one formatting), whichever bundled chunk it lives in; the names
// the bundler gives chunks (`transport-D6hk75rR.d.ts`) and the `$1` it appends to a clashing name never appear.
// Types the exports use but the entry does not export are listed too: changing one changes the API as well.
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import ts from 'typescript';
import { manifest, PUBLIC_PACKAGES, packageDir } from './packed.mjs';

export const REGENERATE = 'node scripts/api-report.mjs --write';

/** Where the reports of packages/<name> live. */
export function reportDir(root, name) {
  return join(packageDir(root, name), 'api');
}

/** `.` → `index`, `./transports/xhr-polling` → `transports-xhr-polling`. */
export function reportName(subpath) {
  return `${subpath === '.' ? 'index' : subpath.slice(2).replaceAll('/', '-')}.api.md`;
}

/** The entries of a package with types: `[{ subpath, dts }]`, dts the ESM declaration file. */
export function typedEntries(root, name) {
  return Object.entries(manifest(root, name).exports)
    .filter(([, target]) => typeof target === 'object' && target.import?.types !== undefined)
    .map(([subpath, target]) => ({ subpath, dts: join(packageDir(root, name), target.import.types) }));
}

/**
 * Every report of every public package: `[{ file, text }]`, file absolute. Throws when a declaration file is
 * missing (the packages are not built).
 */
export function apiReports(root) {
  const entries = PUBLIC_PACKAGES.flatMap((name) =>
    typedEntries(root, name).map((entry) => ({ ...entry, name })),
  );
  const missing = entries.filter((entry) => !existsSync(entry.dts)).map((entry) => entry.dts);
  if (missing.length > 0) {
    throw new Error(`no declarations at ${missing.join(', ')}: build first (node scripts/build.mjs)`);
  }
  const program = ts.createProgram(
    entries.map((entry) => entry.dts),
    {
      noEmit: true,
      skipLibCheck: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
    },
  );
  const checker = program.getTypeChecker();
  return entries.map(({ name, subpath, dts }) => ({
    file: join(reportDir(root, name), reportName(subpath)),
    text: entryReport({
      program,
      checker,
      packageName: manifest(root, name).name,
      subpath,
      dts,
      dist: `${realpathSync(join(packageDir(root, name), 'dist'))}${sep}`,
    }),
  }));
}

/** The report files present now under each package's api/ folder (to find ones no entry makes any more). */
export function existingReports(root) {
  return PUBLIC_PACKAGES.flatMap((name) => {
    const dir = reportDir(root, name);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((file) => file.endsWith('.api.md'))
      .map((file) => join(dir, file));
  });
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

function entryReport({ program, checker, packageName, subpath, dts, dist }) {
  const source = program.getSourceFile(dts);
  const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${dts} is not a module`);
  const specifier = `${packageName}${subpath.slice(1)}`;
  const resolve = (symbol) =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const ours = (symbol) =>
    (symbol.declarations ?? []).some((declaration) =>
      realpath(declaration.getSourceFile().fileName).startsWith(dist),
    );

  const exported = checker
    .getExportsOfModule(moduleSymbol)
    .map((symbol) => ({ name: symbol.name, target: resolve(symbol) }))
    .sort((a, b) => compare(a.name, b.name));
  const exportedTargets = new Set(exported.map(({ target }) => target));

  const lines = [
    `# \`${specifier}\``,
    '',
    `<!-- Generated from ${subpath === '.' ? 'the main entry' : `the ${subpath} entry`}'s declarations by \`${REGENERATE}\` (after the build): do not edit. -->`,
    '',
    `${exported.length} exports. A change here is a change of the public API: review it as one.`,
  ];

  // Types reached from the exports that the entry does not export, found while printing.
  const unexported = [];
  const seen = new Set(exportedTargets);
  const reach = (node) => {
    const visit = (child) => {
      const reference = referencedName(child);
      if (reference !== undefined) {
        const symbol = checker.getSymbolAtLocation(reference);
        const target = symbol === undefined ? undefined : resolve(symbol);
        if (target !== undefined && !seen.has(target) && ours(target) && !isTypeParameter(target)) {
          seen.add(target);
          unexported.push(target);
        }
      }
      ts.forEachChild(child, visit);
    };
    visit(node);
  };

  for (const { name, target } of exported) {
    lines.push('', `## ${name}`, '');
    if (!ours(target)) {
      lines.push(
        `Re-exported from \`${moduleOf(target)}\`${target.name === name ? '' : ` (as \`${target.name}\`)`}.`,
      );
      continue;
    }
    if (target.name !== name) lines.push(`Exported as \`${name}\`; declared as \`${target.name}\`.`, '');
    lines.push('```', ...declarationsOf(target, reach), '```');
  }

  if (unexported.length > 0) {
    lines.push('', '# Used by the exports, not exported', '');
    lines.push('Types a user meets through the exports but cannot import by name from this entry.');
    // The list grows while it is printed (a type may use another): index-based on purpose.
    const printed = [];
    for (let i = 0; i < unexported.length; i++) {
      const target = unexported[i];
      printed.push({ name: target.name, text: declarationsOf(target, reach) });
    }
    for (const { name, text } of printed.sort((a, b) => compare(a.name, b.name))) {
      lines.push('', `## ${name}`, '', '```', ...text, '```');
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The declarations of a symbol, printed without comments, each a list of lines; `reach` sees each node. */
function declarationsOf(symbol, reach) {
  return (symbol.declarations ?? []).flatMap((declaration) => {
    // `declare const x: T` is a VariableDeclaration inside a statement: print the statement.
    const node =
      ts.isVariableDeclaration(declaration) && ts.isVariableStatement(declaration.parent.parent)
        ? declaration.parent.parent
        : declaration;
    reach(node);
    return normalise(printer.printNode(ts.EmitHint.Unspecified, node, node.getSourceFile())).split('\n');
  });
}

/**
 * Drops what the bundler decided rather than the API (`export` placement, the `$1` on a name that clashed), and
 * private members, which declarations list by name only and no user can reach.
 */
function normalise(text) {
  return text
    .replace(/^export (default )?/, '')
    .replace(/^ +private (static )?(readonly )?[\w$#]+;\n/gm, '')
    .replace(/\b([A-Za-z_][\w]*)\$\d+\b/g, '$1')
    .replace(/^ {4}/gm, '  ');
}

/** The identifier of a node that names another declaration (a type reference, `extends X`, `typeof x`). */
function referencedName(node) {
  if (ts.isTypeReferenceNode(node)) return rightmost(node.typeName);
  if (ts.isExpressionWithTypeArguments(node) && ts.isIdentifier(node.expression)) return node.expression;
  if (ts.isTypeQueryNode(node)) return rightmost(node.exprName);
  return undefined;
}

function rightmost(name) {
  return ts.isQualifiedName(name) ? name.right : name;
}

function isTypeParameter(symbol) {
  return (symbol.flags & ts.SymbolFlags.TypeParameter) !== 0;
}

/** The package a declaration outside ours comes from, by its node_modules path. */
function moduleOf(symbol) {
  const file = realpath(symbol.declarations?.[0]?.getSourceFile().fileName ?? '');
  const sockwire = /[\\/]packages[\\/]([^\\/]+)[\\/]dist[\\/]/.exec(file);
  if (sockwire !== null) return `@sockwire/${sockwire[1]}`;
  const match = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
  return match === null ? file : match[1].replace('\\', '/');
}

function realpath(file) {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
