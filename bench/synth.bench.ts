/**
 * Synth-cost and template-size benchmark of cdk-secure-bucket. Not a test: run it with
 *
 *   npx projen bench                     # full run (9.5 min on this 2-core machine)
 *   npx projen bench --quick             # smoke run: 1 run of each, N = 1, 10, 40 (1-2 min)
 *   npx projen bench --markdown /tmp/bench.md --json /tmp/bench.json
 *
 * (`npm run bench -- --quick` once the projen task exists; the task is
 * `ts-node --project bench/tsconfig.json bench/synth.bench.ts`, which type-checks bench/ and src/ first: while
 * src/ does not compile, prefix TS_NODE_TRANSPILE_ONLY=true.)
 *
 * Options: --runs R (warm runs, default 5), --reps K (measurements of each configuration per warm run,
 * default 4), --cold-runs R (default 3; 0 skips cold runs), --ns 1,50,200, --cold-ns 1,200,
 * --markdown FILE (the results section as Markdown), --json FILE (raw samples), --keep-build DIR
 * (transpile into DIR and keep it, for profiling with --single).
 *
 * How it measures
 * - bench/ and src/ are transpiled once to JavaScript in a temp dir and every measurement runs in plain
 *   `node --expose-gc` children: the library is measured as it ships (compiled JS), without ts-node's
 *   compiler and source-map-support, which makes every stack trace that CDK captures much more expensive.
 * - Warm: each run is a fresh child that loads the modules, warms up (one synth of every variant at N = 1
 *   and one SecureBucket app at N = 20, discarded), then measures every variant at every N, K times,
 *   interleaved: for each repetition and N, the variants in a rotated order; the run's value of a
 *   configuration is the median of its K measurements. The event loop turns between measurements (as between
 *   the tests of a suite: what a library defers to the end of a job runs). Each measurement builds a fresh App after gc(), and
 *   times construction and `app.synth()` with process.hrtime.bigint() (and process.cpuUsage()). The outdir
 *   is a temp dir, deleted afterwards.
 * - Cold: one measurement per fresh child (modules loaded first, not timed): what one `cdk synth` pays,
 *   including the one-time initialisation of the built-in CloudFormation validation (a per-process
 *   singleton in aws-cdk-lib) and of the JIT.
 * - Ratios are paired: computed per run between measurements taken seconds apart, then the median over
 *   runs, so that load from other processes on the machine cancels out as far as it can.
 * - Template sizes are measured in another child: N = 1 and N = 40 in one stack, marginal = (x(40) - x(1)) / 39.
 *
 * Profiling one warm measurement (after `npx projen bench --quick --keep-build /tmp/sb-bench-js`):
 *   NODE_PATH=node_modules node --expose-gc --cpu-prof --cpu-prof-dir /tmp/prof /tmp/sb-bench-js/bench/synth.bench.js --single secure 200 off 5
 */
import { spawnSync, execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { buildApp, buildFullyRestrictedBucket, ENV, ListSizes, PER_STACK, preload, Variant, VARIANT_LABELS } from './apps';
import { nextTurn } from './util';
import { AccessLogsBucket, SecureBucket } from '../src';

const TIMED_VARIANTS: Variant[] = ['secure', 'hand', 'hand-full', 'solutions', 'secure+aspect', 'secure+nag'];
/** Cold runs cost one process each: only the variants of the synth-time targets. */
const COLD_VARIANTS: Variant[] = ['secure', 'hand', 'secure+aspect', 'secure+nag'];
const SIZE_VARIANTS: Variant[] = ['secure', 'secure-shared-key', 'hand', 'hand-full', 'solutions'];
const MARKER = '@@BENCH ';

/** The size limit of an S3 bucket policy (20 KB). */
const BUCKET_POLICY_LIMIT_BYTES = 20 * 1024;

/** One timed synth. */
interface Sample {
  /** warm: in a process that has synthesized before; cold: the first synth of a fresh process. */
  readonly kind: 'warm' | 'cold';
  readonly run: number;
  readonly variant: Variant;
  readonly n: number;
  readonly validation: boolean;
  readonly warmup: boolean;
  /** Building the constructs (the app code before app.synth()), ms. */
  readonly constructMs: number;
  /** app.synth(), ms: aspects, validations, template rendering, validation plugins, writing the assembly. */
  readonly synthMs: number;
  readonly totalMs: number;
  /** CPU time of the process (user + system, all threads) over construction + app.synth(), ms: less sensitive to other load. */
  readonly cpuMs: number;
  readonly resources: number;
  readonly stacks: number;
  readonly rssMiB: number;
}

interface ChildRequest {
  readonly mode: 'warm' | 'cold' | 'sizes';
  readonly run: number;
  readonly validation: boolean;
  readonly ns: number[];
  /** cold: the one variant to measure */
  readonly variant?: Variant;
  /** warm: measurements of each configuration in the process (the run's value is their median) */
  readonly reps?: number;
}

// ---------------------------------------------------------------------------------------------
// Child: measurements
// ---------------------------------------------------------------------------------------------

function gc(): void {
  const g = (globalThis as any).gc;
  if (typeof g === 'function') { g(); g(); }
}

function tempOutdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-'));
}

function templatesOf(outdir: string): { name: string; body: any; bytes: number }[] {
  return fs.readdirSync(outdir)
    .filter(f => f.endsWith('.template.json'))
    .map(f => {
      const text = fs.readFileSync(path.join(outdir, f), 'utf8');
      return { name: f, body: JSON.parse(text), bytes: Buffer.byteLength(text, 'utf8') };
    });
}

/** Builds and synthesizes one app; returns its timings. Throws if the variant did not do its work. */
function measure(variant: Variant, n: number, validation: boolean, run: number, warmup: boolean, kind: 'warm' | 'cold' = 'warm'): Sample {
  preload(variant);
  gc();
  const outdir = tempOutdir();
  try {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const app = buildApp(variant, n, { outdir, validation });
    const t1 = process.hrtime.bigint();
    app.synth();
    const t2 = process.hrtime.bigint();
    const cpu = process.cpuUsage(c0);
    const rssMiB = process.memoryUsage().rss / 2 ** 20;
    // Sanity checks (outside the timed section): the variant really did its work.
    const templates = templatesOf(outdir);
    if (variant === 'secure+aspect' && !fs.existsSync(path.join(outdir, 'secure-bucket-report.json'))) {
      throw new Error('SecureBucketAspect did not write its report');
    }
    const resources = templates.reduce((sum, t) => sum + Object.keys(t.body.Resources ?? {}).length, 0);
    return {
      kind,
      run,
      variant,
      n,
      validation,
      warmup,
      constructMs: Number(t1 - t0) / 1e6,
      synthMs: Number(t2 - t1) / 1e6,
      totalMs: Number(t2 - t0) / 1e6,
      cpuMs: (cpu.user + cpu.system) / 1000,
      resources,
      stacks: templates.length,
      rssMiB,
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

let quiet = false;

/**
 * The policy as S3 would store it in the aws-us-gov partition (the longest common one), for the bench account
 * and region: pseudo parameters substituted, GetAtt of a role as a role ARN with a 64-character name (the
 * longest a CloudFormation-generated name gets), any other GetAtt/Ref as a 64-character name.
 */
function deployed(value: unknown): unknown {
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws-us-gov', 'AWS::AccountId': ENV.account, 'AWS::Region': ENV.region, 'AWS::URLSuffix': 'amazonaws.com' };
  const name = 'n'.repeat(64);
  const render = (v: any): any => {
    if (typeof v === 'string') { return v; }
    if (Array.isArray(v)) { return v.map(render); }
    if (v && typeof v === 'object') {
      if ('Ref' in v) { return pseudo[v.Ref] ?? name; }
      if ('Fn::Join' in v) { return (v['Fn::Join'][1] as any[]).map(render).join(v['Fn::Join'][0]); }
      if ('Fn::Sub' in v) { return String(v['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_, k) => pseudo[k] ?? name); }
      if ('Fn::GetAtt' in v) {
        const [id, attr] = v['Fn::GetAtt'];
        return attr === 'Arn' && /Role/.test(id) ? `arn:aws-us-gov:iam::${ENV.account}:role/${name}` : `arn:aws-us-gov:s3:::${name.slice(0, 63)}`;
      }
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x)]));
    }
    return v;
  };
  return render(value);
}

function emit(kind: string, data: unknown): void {
  if (quiet) { return; }
  process.stdout.write(`${MARKER}${JSON.stringify({ kind, data })}\n`);
}

function rotate<T>(list: T[], by: number): T[] {
  const k = ((by % list.length) + list.length) % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

async function warmUp(validation: boolean, run: number): Promise<void> {
  // The first synth of the process pays the module-level and validator initialisation: report it.
  emit('sample', measure('secure', 1, validation, run, true));
  await nextTurn();
  for (const variant of TIMED_VARIANTS) {
    emit('sample', measure(variant, 1, validation, run, true));
    await nextTurn();
  }
  emit('sample', measure('secure', 20, validation, run, true));
  await nextTurn();
}

function childCold(req: ChildRequest): void {
  emit('sample', measure(req.variant!, req.ns[0], req.validation, req.run, false, 'cold'));
}

async function childWarm(req: ChildRequest): Promise<void> {
  await warmUp(req.validation, req.run);
  const samples: Sample[] = [];
  for (let rep = 0; rep < (req.reps ?? 1); rep++) {
    for (const n of req.ns) {
      for (const variant of rotate(TIMED_VARIANTS, req.run + rep)) {
        samples.push(measure(variant, n, req.validation, req.run, false));
        await nextTurn();
      }
    }
  }
  // One sample per configuration and run: the median of its repetitions, field by field.
  for (const n of req.ns) {
    for (const variant of TIMED_VARIANTS) {
      const mine = samples.filter(x => x.n === n && x.variant === variant);
      const m = (f: 'constructMs' | 'synthMs' | 'totalMs' | 'cpuMs') => median(mine.map(x => x[f]));
      emit('sample', { ...mine[0], constructMs: m('constructMs'), synthMs: m('synthMs'), totalMs: m('totalMs'), cpuMs: m('cpuMs'), reps: mine.length });
    }
  }
}

interface SizeRow {
  readonly variant: Variant;
  readonly n: number;
  readonly resources: number;
  readonly types: Record<string, number>;
  /** Template bytes as CDK writes them (indented JSON). */
  readonly bytes: number;
  /** Template bytes as minified JSON. */
  readonly minBytes: number;
}

/** Bytes of a value as minified JSON: how S3 counts a policy (white space does not count). */
function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** A resolved policy document's sizes: as synthesized (minified), and as deployed (the size S3 stores, see `deployed`). */
function policySizes(document: any): { renderedBytes: number; deployedBytes: number } {
  return {
    renderedBytes: jsonBytes(document),
    deployedBytes: jsonBytes(deployed(document)),
  };
}

function childSizes(): void {
  for (const variant of SIZE_VARIANTS) {
    for (const n of [1, PER_STACK]) {
      const outdir = tempOutdir();
      try {
        buildApp(variant, n, { outdir, validation: false, oneStack: true }).synth();
        const [t] = templatesOf(outdir);
        const types: Record<string, number> = {};
        for (const r of Object.values<any>(t.body.Resources)) { types[r.Type] = (types[r.Type] ?? 0) + 1; }
        // Log-bucket policy (one per stack): the largest policy a default app has.
        const policies = Object.values<any>(t.body.Resources).filter(r => r.Type === 'AWS::S3::BucketPolicy')
          .map(r => jsonBytes(deployed(r.Properties.PolicyDocument)));
        const row: SizeRow = {
          variant,
          n,
          resources: Object.keys(t.body.Resources).length,
          types,
          bytes: t.bytes,
          minBytes: Buffer.byteLength(JSON.stringify(t.body), 'utf8'),
        };
        emit('size', { ...row, largestPolicyBytes: Math.max(0, ...policies) });
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    }
  }

  // The bucket policy of a SecureBucket with every restriction, exemption and anyOf, as synthesized.
  for (const lists of ['minimal', 'typical'] as ListSizes[]) {
    const outdir = tempOutdir();
    try {
      const app = new App({ outdir, builtinCloudFormationValidation: false });
      const bucket = buildFullyRestrictedBucket(app, lists);
      app.synth();
      const stack = Stack.of(bucket);
      const template = templatesOf(outdir).find(t => t.name === `${stack.artifactId}.template.json`)!;
      const policyId = stack.resolve((bucket.policy!.node.defaultChild as CfnResource).logicalId);
      const document = template.body.Resources[policyId].Properties.PolicyDocument;
      emit('policy', {
        name: `SecureBucket with every restriction, exemption and anyOf (${lists} lists)`,
        lists,
        ...policySizes(document),
        statements: (document.Statement as any[]).map((st, i) => ({ sid: st.Sid ?? `#${i + 1}`, bytes: jsonBytes(deployed(st)) })),
      });
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }

  // The default SecureBucket's own policy, and the shared log bucket's policy with 40 and 150 sources.
  for (const sources of [1, PER_STACK, 150]) {
    const app = new App({ outdir: tempOutdir(), builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Logs', { env: ENV });
    let last: SecureBucket | undefined;
    for (let i = 0; i < sources; i++) { last = new SecureBucket(stack, `Bucket${i}`); }
    const logs = AccessLogsBucket.ofStack(stack);
    if (sources === 1) {
      emit('policy', {
        name: 'default SecureBucket (no restriction)',
        ...policySizes(stack.resolve(last!.policy!.document)),
      });
    }
    emit('policy', {
      name: `shared AccessLogsBucket, ${sources} source bucket${sources === 1 ? '' : 's'}`,
      ...policySizes(stack.resolve(logs.policy!.document)),
    });
    fs.rmSync(app.outdir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Parent: orchestration and report
// ---------------------------------------------------------------------------------------------

function sh(cmd: string): string {
  try { return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return '(unavailable)'; }
}

const ROOT = path.join(__dirname, '..');

/**
 * Transpiles bench/ and src/ to JavaScript (no type check: the parent, run by ts-node, has type-checked
 * them) into `outdir`, keeping the layout, so that children run the library as compiled JS.
 */
function transpile(outdir: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const files = (dir: string): string[] => fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap(e =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path.join(dir, e.name)] : []);
  for (const file of [...files('src'), ...files('bench')]) {
    const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, experimentalDecorators: true },
    });
    const target = path.join(outdir, file.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, outputText);
  }
  return path.join(outdir, 'bench', 'synth.bench.js');
}

let childScript = '';
/** 1-minute load average after each child, to describe the machine's load during the run. */
const loads: number[] = [];

function childEnv(): NodeJS.ProcessEnv {
  // Bare imports (aws-cdk-lib, cdk-nag, ...) resolve from this project's node_modules.
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') };
  // The apps choose validation on or off themselves; the CLI's switch must not override it.
  delete env.CDK_VALIDATION;
  return env;
}

function runChild(req: ChildRequest): { kind: string; data: any }[] {
  const started = Date.now();
  const result = spawnSync(process.execPath, [
    '--expose-gc',
    '--max-old-space-size=4096',
    childScript, '--child', JSON.stringify(req),
  ], {
    cwd: ROOT,
    env: childEnv(),
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
    timeout: 20 * 60_000,
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    throw new Error(`benchmark child ${JSON.stringify(req)} failed with status ${result.status} ${result.error ?? ''}`);
  }
  const lines = (result.stdout ?? '').split('\n').filter(l => l.startsWith(MARKER)).map(l => JSON.parse(l.slice(MARKER.length)));
  loads.push(os.loadavg()[0]);
  const what = req.mode === 'cold' ? `cold ${req.variant} N=${req.ns[0]}` : req.mode;
  process.stderr.write(`  run ${req.run} ${what} validation ${req.validation ? 'on' : 'off'}: ${((Date.now() - started) / 1000).toFixed(1)} s, load ${os.loadavg().map(l => l.toFixed(2)).join(' ')}\n`);
  return lines;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) { return NaN; }
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const ms = (x: number) => (Number.isNaN(x) ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ratio = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(2));

interface Options {
  readonly quick: boolean;
  /** Warm runs (each one process per validation mode). */
  readonly runs: number;
  /** Measurements of each configuration in one warm run. */
  readonly reps: number;
  /** Cold runs (one process per variant, N and validation mode). */
  readonly coldRuns: number;
  readonly ns: number[];
  readonly coldNs: number[];
  readonly markdown?: string;
  readonly json?: string;
  readonly keepBuild?: string;
}

function parseOptions(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const list = (v: string) => v.split(',').map(Number);
  const ns = list(get('--ns') ?? (quick ? '1,10,40' : '1,50,200'));
  return {
    quick,
    runs: Number(get('--runs') ?? (quick ? 1 : 5)),
    reps: Number(get('--reps') ?? (quick ? 1 : 4)),
    coldRuns: Number(get('--cold-runs') ?? (quick ? 1 : 3)),
    ns,
    coldNs: get('--cold-ns') ? list(get('--cold-ns')!) : [ns[0], ns[ns.length - 1]],
    markdown: get('--markdown'),
    json: get('--json'),
    keepBuild: get('--keep-build'),
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const req: ChildRequest = JSON.parse(argv[1]);
    if (req.mode === 'sizes') { childSizes(); } else if (req.mode === 'cold') { childCold(req); } else { await childWarm(req); }
    return;
  }
  if (argv[0] === '--single') {
    // --single VARIANT N on|off [REPEATS]: warm up, then measure one configuration REPEATS times (for profiling).
    const [variant, n, validation, repeats] = argv.slice(1);
    const on = validation === 'on';
    quiet = true;
    await warmUp(on, 0);
    for (let i = 0; i < Number(repeats ?? 1); i++) {
      const sample = measure(variant as Variant, Number(n), on, 0, false);
      await nextTurn();
      console.log(`${variant} N=${n} validation ${validation}: construct ${ms(sample.constructMs)} ms, app.synth() ${ms(sample.synthMs)} ms`);
    }
    return;
  }

  const options = parseOptions(argv);
  const build = options.keepBuild ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-js-'));
  childScript = transpile(build);
  const machine = {
    date: sh('date -u'),
    nproc: sh('nproc'),
    free: sh('free -h'),
    node: process.version,
    cpu: [
      sh('grep -m1 "model name" /proc/cpuinfo').replace(/^model name\s*:\s*/, ''),
      `family ${sh('grep -m1 "cpu family" /proc/cpuinfo').replace(/^.*:\s*/, '')} model ${sh('grep -m1 "^model\\s*:" /proc/cpuinfo').replace(/^.*:\s*/, '')}`,
      `${sh('grep -m1 "cpu MHz" /proc/cpuinfo').replace(/^.*:\s*/, '')} MHz`,
      sh('lscpu | grep -i "hypervisor vendor"').replace(/^.*:\s*/, 'hypervisor '),
    ].join(', '),
    uptimeBefore: sh('uptime'),
    uptimeAfter: '',
  };
  const started = Date.now();
  process.stderr.write(`cdk-secure-bucket synth benchmark: ${options.runs} warm runs x ${options.reps} and ${options.coldRuns} cold runs, `
    + `validation off and on, N = ${options.ns.join(', ')} (cold: ${options.coldNs.join(', ')})\n`);

  const sizes: any[] = [];
  const policies: any[] = [];
  const samples: Sample[] = [];
  try {
    for (const { kind, data } of runChild({ mode: 'sizes', run: 0, validation: false, ns: [] })) {
      (kind === 'size' ? sizes : policies).push(data);
    }
    for (let run = 0; run < Math.max(options.runs, options.coldRuns); run++) {
      if (run < options.runs) {
        for (const validation of [false, true]) {
          for (const { kind, data } of runChild({ mode: 'warm', run, validation, ns: options.ns, reps: options.reps })) {
            if (kind === 'sample') { samples.push(data); }
          }
        }
      }
      if (run < options.coldRuns) {
        for (const n of options.coldNs) {
          for (const validation of [false, true]) {
            for (const variant of rotate(COLD_VARIANTS, run)) {
              for (const { kind, data } of runChild({ mode: 'cold', run, validation, ns: [n], variant })) {
                if (kind === 'sample') { samples.push(data); }
              }
            }
          }
        }
      }
    }
  } finally {
    if (!options.keepBuild) { fs.rmSync(build, { recursive: true, force: true }); }
  }
  machine.uptimeAfter = sh('uptime');
  const elapsedS = (Date.now() - started) / 1000;

  const md = report(options, machine, samples, sizes, policies, elapsedS);
  process.stdout.write(md);
  if (options.markdown) { fs.writeFileSync(options.markdown, md); }
  if (options.json) { fs.writeFileSync(options.json, JSON.stringify({ options, machine, samples, sizes, policies, elapsedS }, null, 1)); }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

type Field = 'totalMs' | 'synthMs' | 'constructMs';
type Kind = 'warm' | 'cold';

/** Statistics over the measured samples. */
class Stats {
  constructor(private readonly samples: Sample[]) {}

  public select(kind: Kind, variant: Variant, n: number, validation: boolean): Sample[] {
    return this.samples.filter(s => !s.warmup && s.kind === kind && s.variant === variant && s.n === n && s.validation === validation);
  }

  public median(kind: Kind, variant: Variant, n: number, validation: boolean, field: Field = 'totalMs'): number {
    return median(this.select(kind, variant, n, validation).map(s => s[field]));
  }

  /** Per-run ratios x(a, na) / x(b, nb), paired by run (same process for warm, adjacent processes for cold). */
  public paired(kind: Kind, validation: boolean, a: [Variant, number], b: [Variant, number], field: 'totalMs' | 'cpuMs' = 'totalMs'): number[] {
    const rs: number[] = [];
    for (const s of this.select(kind, a[0], a[1], validation)) {
      const t = this.select(kind, b[0], b[1], validation).find(x => x.run === s.run);
      if (t) { rs.push(s[field] / t[field]); }
    }
    return rs;
  }

  public has(kind: Kind, validation: boolean): boolean {
    return this.samples.some(s => !s.warmup && s.kind === kind && s.validation === validation);
  }
}

function summary(rs: number[]): string {
  if (rs.length === 0) { return '-'; }
  if (rs.length === 1) { return ratio(rs[0]); }
  return `${ratio(median(rs))} (${ratio(Math.min(...rs))}-${ratio(Math.max(...rs))})`;
}

const PAIRS: [Variant, Variant, string][] = [
  ['secure', 'hand', 'SecureBucket / hand-written'],
  ['secure', 'hand-full', 'SecureBucket / hand-written SecureBucket template'],
  ['secure', 'solutions', 'SecureBucket / Solutions Constructs'],
  ['secure+aspect', 'secure', 'with SecureBucketAspect / without'],
  ['secure+nag', 'secure', 'with cdk-nag AwsSolutions / without'],
];

function report(options: Options, machine: any, samples: Sample[], sizes: any[], policies: any[], elapsedS: number): string {
  const out: string[] = [];
  const line = (text = '') => out.push(text);
  const stats = new Stats(samples);
  const nMid = options.ns[Math.floor(options.ns.length / 2)];
  const nMax = options.ns[options.ns.length - 1];

  line('## Results');
  line();
  line(`Measured ${machine.date} in ${elapsedS.toFixed(0)} s: ${options.runs} warm runs (${options.reps} measurements of each configuration per run, `
    + `median taken) and ${options.coldRuns} cold runs, each with the built-in `
    + `CloudFormation validation off and on; N = ${options.ns.join(', ')} buckets (cold: ${options.coldNs.join(', ')}), at most ${PER_STACK} per stack.`);
  line();
  line('```');
  line(`nproc: ${machine.nproc}`);
  line(`cpu:   ${machine.cpu}`);
  line(`node:  ${machine.node}`);
  line(machine.free);
  line(`uptime before: ${machine.uptimeBefore}`);
  line(`uptime after:  ${machine.uptimeAfter}`);
  if (loads.length > 0) {
    line(`1-minute load average after each of the ${loads.length} child processes: min ${Math.min(...loads).toFixed(2)}, median ${median(loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}`);
  }
  line('```');
  line();

  const timeTables = (kind: Kind, ns: number[]) => {
    for (const validation of [false, true]) {
      if (!stats.has(kind, validation)) { continue; }
      const runs = new Set(samples.filter(s => s.kind === kind && s.validation === validation && !s.warmup).map(s => s.run)).size;
      line(`#### ${kind === 'warm' ? 'Warm' : 'Cold'}, built-in CloudFormation validation ${validation ? 'ON (the aws-cdk-lib default)' : 'OFF'} (median of ${runs} runs)`);
      line();
      const mid = ns[Math.floor(ns.length / 2)];
      const max = ns[ns.length - 1];
      const showGrowth = ns.length >= 3;
      line(`| variant | ${ns.map(n => `N=${n}`).join(' | ')} |${showGrowth ? ` growth ${mid}->${max} |` : ''}`);
      line(`|---|${ns.map(() => '---:').join('|')}|${showGrowth ? '---:|' : ''}`);
      for (const v of TIMED_VARIANTS.filter(x => ns.some(n => stats.select(kind, x, n, validation).length > 0))) {
        const cells = ns.map(n => `${ms(stats.median(kind, v, n, validation))} (${ms(stats.median(kind, v, n, validation, 'synthMs'))})`);
        const g = showGrowth ? ` ${summary(stats.paired(kind, validation, [v, max], [v, mid]))} |` : '';
        line(`| ${VARIANT_LABELS[v]} | ${cells.join(' | ')} |${g}`);
      }
      line();
      line(`| paired ratio | ${ns.map(n => `N=${n}`).join(' | ')} |`);
      line(`|---|${ns.map(() => '---:').join('|')}|`);
      const measuredPair = ([x, y]: [Variant, Variant, string]) =>
        stats.select(kind, x, ns[0], validation).length > 0 && stats.select(kind, y, ns[0], validation).length > 0;
      for (const [a, b, label] of PAIRS.filter(measuredPair)) {
        line(`| ${label} | ${ns.map(n => summary(stats.paired(kind, validation, [a, n], [b, n]))).join(' | ')} |`);
      }
      line();
    }
  };

  line('### Synth time');
  line();
  line('Milliseconds of construction + `app.synth()`, `app.synth()` alone in brackets. Ratios are medians of per-run ratios '
    + '(min-max in brackets); growth is time(N=max)/time(N=mid) per run, linear being max/mid.');
  line();
  line('**Warm**: in a process that has already synthesized (JIT and validator initialised), as in a test suite or a long-lived tool.');
  line();
  timeTables('warm', options.ns);
  line('**Cold**: the first and only synth of a fresh process (modules already loaded), as in one `cdk synth`.');
  line();
  timeTables('cold', options.coldNs);

  line('### Resources and template bytes per bucket');
  line();
  line(`Marginal cost of one more bucket: (x(${PER_STACK}) - x(1)) / ${PER_STACK - 1}, all buckets in one stack. Bytes as CDK writes the template (indented JSON), and minified.`);
  line();
  line(`| variant | resources per bucket | bytes per bucket | minified bytes per bucket | resources and bytes at N=${PER_STACK} | largest bucket policy at N=${PER_STACK} (deployed bytes) | resources per bucket, by type |`);
  line('|---|---:|---:|---:|---:|---:|---|');
  const marginal: Record<string, number> = {};
  for (const v of SIZE_VARIANTS) {
    const a = sizes.find(x => x.variant === v && x.n === 1);
    const b = sizes.find(x => x.variant === v && x.n === PER_STACK);
    if (!a || !b) { continue; }
    const d = (k: string) => (b[k] - a[k]) / (PER_STACK - 1);
    marginal[v] = d('resources');
    const types = Object.keys(b.types)
      .map(t => [t, (b.types[t] - (a.types[t] ?? 0)) / (PER_STACK - 1)] as const)
      .filter(([, c]) => c !== 0)
      .map(([t, c]) => `${t.replace('AWS::', '')} ${Number.isInteger(c) ? c : c.toFixed(2)}`).join(', ');
    line(`| ${VARIANT_LABELS[v as Variant]} | ${d('resources').toFixed(2)} | ${d('bytes').toFixed(0)} | ${d('minBytes').toFixed(0)} | ${b.resources}, ${b.bytes} | ${b.largestPolicyBytes} | ${types} |`);
  }
  line();

  line('### Bucket policy size');
  line();
  line('Bytes of the policy as minified JSON, as S3 counts them. `deployed` is the policy S3 would store in the aws-us-gov partition, '
    + 'intrinsics replaced by their values (generated names at their 64-character maximum); `as synthesized` keeps the intrinsics. '
    + `The S3 limit is ${BUCKET_POLICY_LIMIT_BYTES} bytes.`);
  line();
  line('| policy | deployed bytes | of 20 KB | minified bytes as synthesized |');
  line('|---|---:|---:|---:|');
  for (const p of policies) {
    line(`| ${p.name} | ${p.deployedBytes} | ${(100 * p.deployedBytes / BUCKET_POLICY_LIMIT_BYTES).toFixed(1)}% | ${p.renderedBytes} |`);
  }
  for (const p of policies.filter(x => x.statements)) {
    line();
    line(`Statements, ${p.lists} lists (deployed bytes): ${p.statements.map((x: any) => `${x.sid} ${x.bytes}`).join(', ')}.`);
  }
  line();

  // Targets: judged on the warm paired ratios; the cold ones are shown beside them.
  type Metric = (kind: Kind, validation: boolean, field: 'totalMs' | 'cpuMs') => number;
  const at = (a: Variant, b: Variant): Metric => (kind, validation, field) =>
    median(stats.paired(kind, validation, [a, nFor(kind)], [b, nFor(kind)], field));
  const modes: [Kind, boolean, string][] = [['warm', false, 'warm off'], ['warm', true, 'warm on'], ['cold', false, 'cold off'], ['cold', true, 'cold on']];
  const cells = (f: Metric) => {
    const wall = modes.filter(([kind, validation]) => stats.has(kind, validation) && !Number.isNaN(f(kind, validation, 'totalMs')))
      .map(([kind, validation, label]) => `${label} ${ratio(f(kind, validation, 'totalMs'))}`).join(', ');
    const cpu = modes.filter(([kind, validation]) => kind === 'warm' && stats.has(kind, validation))
      .map(([kind, validation, label]) => `${label} ${ratio(f(kind, validation, 'cpuMs'))}`).join(', ');
    return `wall: ${wall}; CPU: ${cpu}`;
  };
  const verdict = (f: Metric, limit: number) => {
    const warm = [false, true].filter(v => stats.has('warm', v)).map(v => f('warm', v, 'totalMs'));
    const cold = [false, true].filter(v => stats.has('cold', v)).map(v => f('cold', v, 'totalMs')).filter(x => !Number.isNaN(x));
    if (warm.length === 0 && cold.length === 0) { return 'not measured'; }
    const warmOk = warm.every(x => x <= limit);
    const coldOk = cold.every(x => x <= limit);
    return warmOk ? (coldOk ? 'met' : 'met warm, missed cold') : (coldOk && cold.length > 0 ? 'MISSED warm (met cold)' : 'MISSED');
  };
  const coldMax = options.coldNs[options.coldNs.length - 1];
  function nFor(kind: Kind): number { return kind === 'warm' ? nMax : coldMax; }
  const fullMinimal = policies.find(p => p.lists === 'minimal')?.deployedBytes ?? NaN;
  const fullTypical = policies.find(p => p.lists === 'typical')?.deployedBytes ?? NaN;
  line('### Targets');
  line();
  line(`Judged on the warm paired wall-time ratios at N=${nMax}, validation off and on; cold ratios (N=${coldMax}) and CPU-time ratios shown beside them.`);
  line();
  line('| target | measured | verdict |');
  line('|---|---|---|');
  line(`| SecureBucket synth time within 1.10x of hand-written at N=${nMax} | ${cells(at('secure', 'hand'))} | ${verdict(at('secure', 'hand'), 1.10)} |`);
  line(`| (same, against the hand-written SecureBucket template) | ${cells(at('secure', 'hand-full'))} | ${verdict(at('secure', 'hand-full'), 1.10)} |`);
  line(`| SecureBucketAspect adds at most 10% at N=${nMax} | ${cells(at('secure+aspect', 'secure'))} | ${verdict(at('secure+aspect', 'secure'), 1.10)} |`);
  line(`| (reference: cdk-nag AwsSolutions, "about +80%") | ${cells(at('secure+nag', 'secure'))} | |`);
  const resourcesOk = marginal.secure <= 3 && marginal['secure-shared-key'] <= 2;
  line(`| at most 3 resources per additional bucket, 2 with a shared key | ${marginal.secure?.toFixed(2)}, ${marginal['secure-shared-key']?.toFixed(2)} with a shared key | ${resourcesOk ? 'met' : 'MISSED'} |`);
  const policyVerdict = fullTypical < 6144 ? 'met' : fullMinimal < 6144 ? 'met with minimal lists, MISSED with typical lists' : 'MISSED';
  line(`| bucket policy with every restriction applied under 6 KB (6144 bytes, deployed) | ${fullMinimal} bytes (minimal lists), ${fullTypical} bytes (typical lists) | ${policyVerdict} |`);
  const growth: Metric = (kind, validation, field) => median(stats.paired(kind, validation, ['secure', nMax], ['secure', nMid], field)) / (nMax / nMid);
  const handGrowth: Metric = (kind, validation, field) => median(stats.paired(kind, validation, ['hand', nMax], ['hand', nMid], field)) / (nMax / nMid);
  const warmOnly = (f: Metric) => [false, true].filter(v => stats.has('warm', v)).map(v => `warm ${v ? 'on' : 'off'} ${ratio(f('warm', v, 'totalMs'))}`).join(', ');
  const grown = [false, true].filter(v => stats.has('warm', v));
  const growthVerdict = grown.length === 0 ? 'not measured' : grown.every(v => growth('warm', v, 'totalMs') <= 1) ? 'met' : 'MISSED';
  line(`| growth N=${nMid} to N=${nMax} no worse than linear (time ratio / ${nMax / nMid}; <= 1) | SecureBucket: ${warmOnly(growth)}; hand-written: ${warmOnly(handGrowth)} | ${growthVerdict} |`);
  line();
  return out.join('\n') + '\n';
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
