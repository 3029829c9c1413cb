import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/*
 * Every TypeScript example of the README and of docs/*.md compiles.
 *
 * jsii-rosetta compiles the README's examples (it is in the jsii assembly); the docs pages are not, so
 * this test compiles the examples of both the way rosetta does: each ```ts (or ```typescript) block is
 * put into a fixture of rosetta/ (`default`, or the one named by `fixture=NAME` after the language or by
 * a first line `/// fixture=NAME`) in place of its `/// here` line, with the block's imports and
 * `declare` statements hoisted to the top of the file. `cdk-secure-bucket` resolves to src/. All blocks
 * are compiled in one program, each in a virtual file of its own. A block that does not compile fails
 * with the page and line of each error. Python blocks are checked to parse; other blocks are not code.
 */
const ROOT = path.join(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'rosetta');
const PAGES = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter(f => f.endsWith('.md')).sort().map(f => `docs/${f}`)];
const TS_LANGUAGES = new Set(['ts', 'typescript']);
const PYTHON_LANGUAGES = new Set(['py', 'python']);

/** A fenced code block of a page. */
interface Block {
  readonly page: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly language: string;
  /** `key=value` and `key` words after the language, and of a first `/// ` line (ts only). */
  readonly parameters: Record<string, string>;
  /** The code, the fence's indentation removed; the first `/// ` line of a ts block is blanked. */
  readonly code: string;
}

function parseParameters(words: string): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const word of words.split(/\s+/).filter(Boolean)) {
    const [key, value] = word.split('=', 2);
    parameters[key] = value ?? '';
  }
  return parameters;
}

/** The fenced code blocks of a Markdown page (``` or ~~~ fences, indented ones inside lists too). */
function codeBlocks(page: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)(.*)$/.exec(lines[i]);
    if (!open) {
      continue;
    }
    const [, indent, fence, language, rest] = open;
    const closing = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !closing.test(lines[j])) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
      j++;
    }
    if (j === lines.length) {
      throw new Error(`${page}:${i + 1}: the code block opened here is never closed`);
    }
    const lang = language.toLowerCase();
    const parameters = parseParameters(rest);
    if (TS_LANGUAGES.has(lang) && body.length > 0) {
      // rosetta reads parameters from a first line `/// key=value ...` too (and drops that line).
      const directive = /^\s*\/\/\/(.*)$/.exec(body[0]);
      if (directive && !/^\s*!(show|hide)/.test(directive[1])) {
        Object.assign(parameters, parseParameters(directive[1]));
        body[0] = '';
      }
    }
    blocks.push({ page, line: i + 1, language: lang, parameters, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

const BLOCKS = PAGES.flatMap(page => codeBlocks(page, fs.readFileSync(path.join(ROOT, page), 'utf-8')));
const TS_BLOCKS = BLOCKS.filter(b => TS_LANGUAGES.has(b.language));
const PYTHON_BLOCKS = BLOCKS.filter(b => PYTHON_LANGUAGES.has(b.language));

/** A block as a virtual source file: where it lives, its text, and the page line of each of its lines. */
interface Snippet {
  readonly block: Block;
  readonly fileName: string;
  readonly fixture: string;
  readonly source: string;
  /** For each line of `source` (0-based), the 1-based line of the page, or undefined for a fixture line. */
  readonly pageLines: (number | undefined)[];
}

function hoisted(statement: ts.Statement): boolean {
  return ts.isImportDeclaration(statement)
    || ts.isImportEqualsDeclaration(statement)
    || (ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some(m => m.kind === ts.SyntaxKind.DeclareKeyword));
}

/** rosetta's fixturize: the block in place of the fixture's `/// here`, its imports and declarations first. */
function snippetOf(block: Block, index: number): Snippet {
  const fixture = block.parameters.fixture ?? 'default';
  const fixtureFile = path.join(FIXTURES, `${fixture}.ts-fixture`);
  if (!fs.existsSync(fixtureFile)) {
    throw new Error(`${block.page}:${block.line}: the block asks for fixture '${fixture}', but ${path.relative(ROOT, fixtureFile)} does not exist`);
  }
  const fixtureLines = fs.readFileSync(fixtureFile, 'utf-8').split('\n');
  const here = fixtureLines.findIndex(l => /^\s*\/{3}\s*here\s*$/i.test(l));
  if (here < 0) {
    throw new Error(`${path.relative(ROOT, fixtureFile)} has no '/// here' line`);
  }

  // Hoisted statements move to the top; in the body they are blanked, keeping every other line in place.
  const parsed = ts.createSourceFile('block.ts', block.code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const firstCodeLine = block.line + 1;
  const header: string[] = [];
  const headerLines: number[] = [];
  let body = block.code;
  for (const statement of parsed.statements.filter(hoisted)) {
    const start = statement.getStart(parsed);
    const text = block.code.slice(start, statement.getEnd());
    const line = parsed.getLineAndCharacterOfPosition(start).line;
    text.split('\n').forEach((l, k) => {
      header.push(l);
      headerLines.push(firstCodeLine + line + k);
    });
    body = body.slice(0, start) + text.replace(/[^\n]/g, ' ') + body.slice(statement.getEnd());
  }
  const bodyLines = body.split('\n');

  const lines = [...header, ...fixtureLines.slice(0, here), ...bodyLines, ...fixtureLines.slice(here + 1), 'export {};'];
  const pageLines = [
    ...headerLines,
    ...fixtureLines.slice(0, here).map(() => undefined),
    ...bodyLines.map((_, k) => firstCodeLine + k),
    ...fixtureLines.slice(here + 1).map(() => undefined),
    undefined,
  ];
  const name = `${block.page.replace(/[^A-Za-z0-9]+/g, '-')}-line-${block.line}-${index}.ts`;
  return { block, fixture, fileName: path.join(ROOT, 'test', 'docs', '.snippets', name), source: lines.join('\n'), pageLines };
}

/** The options jsii-rosetta compiles examples with, `cdk-secure-bucket` mapped to src/. */
const COMPILER_OPTIONS: ts.CompilerOptions = {
  alwaysStrict: true,
  experimentalDecorators: true,
  lib: ['lib.es2022.d.ts'],
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  noFallthroughCasesInSwitch: true,
  noImplicitAny: true,
  noImplicitReturns: true,
  noImplicitThis: true,
  noUnusedLocals: false,
  noUnusedParameters: false,
  resolveJsonModule: true,
  strict: true,
  strictNullChecks: true,
  strictPropertyInitialization: true,
  target: ts.ScriptTarget.ES2022,
  types: ['node'],
  skipLibCheck: true,
  noEmit: true,
  paths: {
    'cdk-secure-bucket': [path.join(ROOT, 'src')],
  },
};

/** Compiles every snippet in one program and returns the errors of each, as `page:line: message`. */
function compileSnippets(snippets: readonly Snippet[]): Map<Snippet, string[]> {
  const byName = new Map(snippets.map(s => [s.fileName, s]));
  const host = ts.createCompilerHost(COMPILER_OPTIONS, true);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const snippet = byName.get(fileName);
    return snippet
      ? ts.createSourceFile(fileName, snippet.source, languageVersion, true, ts.ScriptKind.TS)
      : getSourceFile.call(host, fileName, languageVersion, ...rest);
  };
  const fileExists = host.fileExists;
  host.fileExists = fileName => byName.has(fileName) || fileExists.call(host, fileName);
  const readFile = host.readFile;
  host.readFile = fileName => byName.get(fileName)?.source ?? readFile.call(host, fileName);

  const program = ts.createProgram({ rootNames: [...byName.keys()], options: COMPILER_OPTIONS, host });
  const errors = new Map<Snippet, string[]>();
  for (const snippet of snippets) {
    const file = program.getSourceFile(snippet.fileName)!;
    const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]
      .filter(d => d.category === ts.DiagnosticCategory.Error);
    errors.set(snippet, diagnostics.map(d => {
      const line = file.getLineAndCharacterOfPosition(d.start ?? 0).line;
      const pageLine = snippet.pageLines[line];
      const where = pageLine !== undefined
        ? `${snippet.block.page}:${pageLine}`
        : `${snippet.block.page}:${snippet.block.line} (in fixture '${snippet.fixture}', line ${line + 1} of the compiled file)`;
      return `${where}: error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    }));
  }
  return errors;
}

/** Pages that prove the test itself: one that compiles, one that does not, and rosetta's directives. */
const SELF_TEST_PAGES = {
  broken: [
    '# Page', '', '```ts', "new SecureBucket(this, 'Data');", '```', '', '```ts fixture=monitor',
    "const bucket = new SecureBucket(this, 'Data');",
    'bucket.noSuchMethod();',
    '```', '',
  ].join('\n'),
  directives: [
    '```typescript', '/// fixture=monitor', "import * as sns from 'aws-cdk-lib/aws-sns';", 'declare const topic: sns.ITopic;',
    "new BucketSecurityMonitor(this, 'Monitor', { allBuckets: true });", 'topic.topicArn.toUpperCase();', '```',
  ].join('\n'),
};

describe('documentation examples', () => {
  const snippets = TS_BLOCKS.map(snippetOf);
  const broken = codeBlocks('docs/broken.md', SELF_TEST_PAGES.broken).map((b, i) => snippetOf(b, 1000 + i));
  const directives = codeBlocks('docs/directives.md', SELF_TEST_PAGES.directives).map((b, i) => snippetOf(b, 2000 + i));
  // One program for every block, the self-test ones included.
  let compiled: Map<Snippet, string[]> | undefined;
  const errorsOf = (snippet: Snippet) => {
    compiled ??= compileSnippets([...snippets, ...broken, ...directives]);
    return compiled.get(snippet)!;
  };

  test('every page has TypeScript examples to compile, and the README its Python example', () => {
    expect(TS_BLOCKS.filter(b => b.page === 'README.md').length).toBeGreaterThan(0);
    expect(PYTHON_BLOCKS.filter(b => b.page === 'README.md').length).toBeGreaterThan(0);
    expect(TS_BLOCKS.length).toBeGreaterThan(10);
  });

  test.each(snippets.map(s => [`${s.block.page}:${s.block.line}`, s] as const))('the TypeScript block at %s compiles', (where, snippet) => {
    const found = errorsOf(snippet);
    if (found.length > 0) {
      throw new Error(`The TypeScript block at ${where} does not compile (fixture '${snippet.fixture}'):\n${found.join('\n')}`);
    }
  });

  test('fails, naming the page and line, when a block does not compile', () => {
    // GIVEN a page whose second block calls a method that does not exist, on line 9 of the page
    // WHEN it is compiled
    // THEN the first block compiles, and the second fails with the page and line of the call
    expect(errorsOf(broken[0])).toEqual([]);
    expect(errorsOf(broken[1])).toEqual([expect.stringMatching(/^docs\/broken\.md:9: error TS2339: Property 'noSuchMethod' does not exist/)]);
  });

  test('hoists imports and declarations as rosetta does, and reads `/// fixture=NAME` from the first line', () => {
    expect(directives[0].block.parameters).toEqual({ fixture: 'monitor' });
    expect(directives[0].source.split('\n').slice(0, 2)).toEqual(["import * as sns from 'aws-cdk-lib/aws-sns';", 'declare const topic: sns.ITopic;']);
    expect(errorsOf(directives[0])).toEqual([]);
  });
});

describe('documentation examples in Python', () => {
  const python = spawnSync('python3', ['--version']).status === 0;

  (python ? test : test.skip)('every Python block parses (skipped without python3)', () => {
    const script = 'import ast, json, sys\n'
      + 'for b in json.load(sys.stdin):\n'
      + '    try:\n'
      + '        ast.parse(b["code"])\n'
      + '    except SyntaxError as e:\n'
      + '        print(f"{b[\'page\']}:{b[\'line\'] + (e.lineno or 0)}: {e.msg}")\n';
    const result = spawnSync('python3', ['-c', script], { input: JSON.stringify(PYTHON_BLOCKS), encoding: 'utf-8' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n').filter(Boolean)).toEqual([]);
  });
});
