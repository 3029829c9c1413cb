import * as fs from 'fs';
import * as path from 'path';
import { loadESLint } from 'eslint';

/*
 * The layout rules of .projenrc.ts (import/no-restricted-paths, import/no-cycle, max-lines) hold
 * only if eslint reads them as meant: each case lints a file that would break one rule, placed where
 * the rule applies, and expects that rule's error; and a file that keeps the rules gets none.
 */
const ROOT = path.join(__dirname, '..', '..');

type LintResult = { messages: { ruleId: string | null; severity: number; message: string }[] }[];
let eslint: Promise<{ lintText(code: string, options: { filePath: string }): Promise<LintResult>; lintFiles(files: string[]): Promise<LintResult> }>;

/** The project's eslint configuration, without type information (the files linted here exist only in memory). */
async function projectEslint() {
  const ESLint = await loadESLint({ useFlatConfig: false });
  return new ESLint({
    cwd: ROOT,
    overrideConfig: {
      parserOptions: { projectService: false, project: null },
      // Type-aware rules need the files in a tsconfig; import/no-cycle needs them on disk (tested apart below).
      rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/return-await': 'off', 'import/no-cycle': 'off' },
    },
  });
}

async function lint(file: string, code: string): Promise<string[]> {
  eslint ??= projectEslint();
  const [result] = await (await eslint).lintText(code, { filePath: path.join(ROOT, file) });
  return result.messages.filter(m => m.severity === 2).map(m => `${m.ruleId}: ${m.message}`);
}

describe('layout lint rules', () => {
  test.each([
    ['src/private/x.ts', "import { SecureBucket } from '../bucket/secure-bucket';", 'src/private/ is the leaf'],
    ['src/access/x.ts', "import { SecureBucket } from '../bucket';", 'src/access/ may import only src/private/'],
    ['src/rules/x.ts', "import { AdminOnlyChanges } from '../access';", 'src/rules/ may import only src/private/'],
    ['src/bucket/x.ts', "import { BucketSecurityMonitor } from '../monitoring';", 'src/bucket/ may import only'],
    ['src/monitoring/x.ts', "import { addBucketServiceRole } from '../access/engine/bucket-restrictions';", 'only through its index'],
    ['src/rules/engine/x.ts', "import { SB_S3_1 } from '../s3/sb-s3-1';", 'The rule engine imports no rule'],
    ['src/rules/engine/x.ts', "import { ALL_RULES } from '../registry';", 'The rule engine imports no rule'],
    ['src/bucket/x.ts', "import '../../test/setup-env';", 'src/ never imports the tests or the tooling'],
    ['scripts/x.ts', "import '../test/setup-env';", 'The tooling never imports the tests'],
    ['bench/x.ts', "import { invalidProp } from '../src/private/errors';", 'not test helpers or private utilities'],
  ])('fails: %s importing %s', async (file, imports, expected) => {
    const name = /import \{ (\w+) \}/.exec(imports)?.[1];
    const errors = await lint(file, `${imports}\n${name ? `export const used = [${name}];\n` : ''}`);
    expect(errors.filter(e => e.startsWith('import/no-restricted-paths'))).toEqual([expect.stringContaining(expected)]);
  });

  test('a folder may import its allowed layers', async () => {
    const errors = await lint('src/monitoring/x.ts', [
      "import { SecureBucket } from '../bucket';",
      "import { addBucketServiceRole } from '../access/internal';",
      "import { invalidProp } from '../private/errors';",
      'export const used = [SecureBucket, addBucketServiceRole, invalidProp];',
    ].join('\n') + '\n');
    expect(errors).toEqual([]);
  });

  test('fails: two files that import each other (import/no-cycle)', async () => {
    const ESLint = await loadESLint({ useFlatConfig: false });
    const cycles = new ESLint({
      cwd: ROOT,
      overrideConfig: {
        parserOptions: { projectService: false, project: null },
        rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/return-await': 'off' },
      },
    });
    const dir = fs.mkdtempSync(path.join(__dirname, 'cycle-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b';\nexport const a = () => b;\n");
      fs.writeFileSync(path.join(dir, 'b.ts'), "import { a } from './a';\nexport const b = () => a;\n");
      const [result] = await cycles.lintFiles([path.join(dir, 'a.ts')]);
      expect(result.messages).toEqual([expect.objectContaining({ ruleId: 'import/no-cycle' })]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fails: a source file over 400 lines', async () => {
    const code = Array.from({ length: 401 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n';
    expect(await lint('src/private/x.ts', code)).toEqual([expect.stringMatching(/^max-lines: /)]);
  });
});
