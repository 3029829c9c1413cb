/**
 * Where one synth's time goes, and what a process keeps of each app it synthesized: the measurements
 * behind "What remains" in docs/BENCHMARKS.md. Not a test.
 *
 * Run the compiled script (transpiled by `npx projen bench --keep-build DIR`) with plain node, from the
 * project root:
 *
 *   NODE_PATH=node_modules node --expose-gc DIR/bench/phases.js [--variants hand,secure,hand-full] [--n 200]
 *     [--rounds 10] [--validation]
 *   NODE_PATH=node_modules node --expose-gc DIR/bench/phases.js --memory [--variants secure,secure+aspect] [--apps 10]
 *
 * Phases: construction (building the app), then, inside `app.synth()`, aws-cdk-lib's `prepareApp`, the
 * validations of every construct (`Node.validate`), each stack's template rendering
 * (`Stack._toCloudFormation`) and the tree.json rendering (`TreeMetadata._synthesizeTree`), each timed
 * with hrtime by wrapping that function; the rest of the synth (Aspects, writing the assembly) is the
 * difference. More columns, inside those phases: `Stack.resolve` of each resource's fragment at template
 * rendering and before it, and, inside validate, SecureBucketAspect's rules (`evaluateResource`) and
 * report (`renderReport`, the posture included; writing the files not). The wrapped functions are aws-cdk-lib 2.276's internals: the script stops with the name of
 * one it cannot find. Variants are measured in order and in reverse order by turns, after `gc()`, the event
 * loop turning after each (bench/util.ts `nextTurn`), 2 rounds of warm-up; the medians over rounds are printed.
 *
 * --memory: the variants one after another in one process, `--apps` apps of each in a
 * row, a turn of the event loop after each synth (as between the tests of a suite), then `gc()` and the
 * heap in use. aws-cdk-lib keeps every app reachable (its global token map), so the heap grows by what each
 * app holds: the MB per app printed is (last - first) / (apps - 1).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Node } from 'constructs';
import { buildApp, preload, Variant, VARIANT_LABELS } from './apps';
import { arg, gc, median, nextTurn } from './util';
import * as report from '../src/aspect/report';
import * as evaluation from '../src/rules/evaluation';

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Milliseconds spent in each wrapped phase during the current measurement. */
const spent: Record<string, number> = {};

/** Replaces `owner[name]` with a timer around it (time inside a nested call of the same phase counted once). */
function time(owner: any, name: string, phase: string): void {
  const original = owner?.[name];
  if (typeof original !== 'function') {
    throw new Error(`${name} not found: this script times aws-cdk-lib 2.276's internals, and this version has moved ${phase}.`);
  }
  let depth = 0;
  owner[name] = function (this: unknown, ...args: unknown[]) {
    depth++;
    const start = now();
    try {
      return original.apply(this, args);
    } finally {
      depth--;
      if (depth === 0) { spent[phase] = (spent[phase] ?? 0) + now() - start; }
    }
  };
}

function cdkInternal(file: string): any {
  const root = path.dirname(require.resolve('aws-cdk-lib/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(root, file));
}

/**
 * Times `Stack.resolve` of one resource's template fragment (`{ Resources: { id: ... } }`), split by where
 * it happens: inside the stack's template rendering, or before it (SecureBucketAspect renders the resources
 * the rules read at validation). Both are also counted in their phase.
 */
function timeResourceResolves(): void {
  const template = (Stack.prototype as any)._toCloudFormation;
  let rendering = 0;
  (Stack.prototype as any)._toCloudFormation = function (this: Stack) {
    rendering++;
    try { return template.call(this); } finally { rendering--; }
  };
  const resolve = Stack.prototype.resolve;
  Stack.prototype.resolve = function (this: Stack, obj: any) {
    const fragment = obj !== null && typeof obj === 'object' && obj.Resources !== undefined && Object.keys(obj.Resources).length === 1;
    if (!fragment) { return resolve.call(this, obj); }
    const key = rendering > 0 ? 'resolve: resources at template' : 'resolve: resources before';
    const start = now();
    try { return resolve.call(this, obj); } finally { spent[key] = (spent[key] ?? 0) + now() - start; }
  };
}

async function phases(variants: Variant[], n: number, rounds: number, validation: boolean): Promise<void> {
  time(cdkInternal('core/lib/private/prepare-app.js'), 'prepareApp', 'prepare');
  time(Node.prototype, 'validate', 'validate');
  time(Stack.prototype, '_toCloudFormation', 'template');
  timeResourceResolves();
  time(evaluation, 'evaluateResource', 'in validate: Aspect rules');
  time(report, 'renderReport', 'in validate: Aspect report');
  time(cdkInternal('core/lib/private/tree-metadata.js').TreeMetadata.prototype, '_synthesizeTree', 'tree.json');
  const rows: Record<string, Record<string, number[]>> = {};
  for (let round = 0; round < rounds + 2; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      preload(variant);
      for (const key of Object.keys(spent)) { delete spent[key]; }
      gc();
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-phases-'));
      try {
        const t0 = now();
        const app = buildApp(variant, n, { outdir, validation });
        const t1 = now();
        app.synth();
        const t2 = now();
        await nextTurn();
        if (round < 2) { continue; }
        const inPhases = Object.entries(spent).filter(([key]) => !key.includes(':')).reduce((a, [, ms]) => a + ms, 0);
        const row = { 'construction': t1 - t0, 'app.synth()': t2 - t1, ...spent, 'rest of synth': t2 - t1 - inPhases };
        for (const [key, ms] of Object.entries(row)) { ((rows[variant] ??= {})[key] ??= []).push(ms); }
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    }
  }
  const columns = ['construction', 'app.synth()', 'prepare', 'validate', 'template', 'tree.json', 'rest of synth',
    'resolve: resources before', 'resolve: resources at template', 'in validate: Aspect rules', 'in validate: Aspect report'];
  console.log(`N=${n}, validation ${validation ? 'on' : 'off'}, medians of ${rounds} rounds (ms), load ${os.loadavg()[0].toFixed(1)}`);
  console.log(`| variant | ${columns.join(' | ')} |`);
  console.log(`|---|${columns.map(() => '---:').join('|')}|`);
  for (const variant of variants) {
    console.log(`| ${VARIANT_LABELS[variant]} | ${columns.map(c => median(rows[variant][c] ?? [0]).toFixed(1)).join(' | ')} |`);
  }
}

async function memory(variants: Variant[], n: number, apps: number): Promise<void> {
  console.log(`N=${n}, ${apps} apps per variant: heap in use after gc() (MB), and per app`);
  for (const variant of variants) {
    preload(variant);
    const heap: number[] = [];
    for (let i = 0; i < apps; i++) {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-phases-'));
      buildApp(variant, n, { outdir, validation: false }).synth();
      fs.rmSync(outdir, { recursive: true, force: true });
      await nextTurn();
      gc();
      gc();
      heap.push(process.memoryUsage().heapUsed / 1e6);
    }
    const perApp = (heap[heap.length - 1] - heap[0]) / (heap.length - 1);
    console.log(`${VARIANT_LABELS[variant]}: ${heap.map(h => h.toFixed(1)).join(' ')}; ${perApp.toFixed(1)} MB per app`);
  }
}

async function main(): Promise<void> {
  const variants = arg('variants', process.argv.includes('--memory') ? 'hand,secure,secure+aspect' : 'hand,secure,hand-full').split(',') as Variant[];
  for (const v of variants) {
    if (!(v in VARIANT_LABELS)) { throw new Error(`--variants: ${v} is not a variant; use one of ${Object.keys(VARIANT_LABELS).join(', ')}.`); }
  }
  const n = Number(arg('n', '200'));
  if (process.argv.includes('--memory')) {
    await memory(variants, n, Number(arg('apps', '10')));
  } else {
    await phases(variants, n, Number(arg('rounds', '10')), process.argv.includes('--validation'));
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
