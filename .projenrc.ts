import { awscdk, javascript, JsonFile } from 'projen';

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
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testTimeout: 120_000,
      setupFiles: ['<rootDir>/test/setup-env.ts'],
    },
  },
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'examples', 'scripts', 'bench', 'projenrc'] },
  gitignore: ['/tools/event-ruler/target/', '/cdk.out/', '/examples/cdk.out/', '/.venv/', '/test-reports/', '__pycache__/', '.pytest_cache/', '/.jsii.tabl.json', '/rosetta-out/'],
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
