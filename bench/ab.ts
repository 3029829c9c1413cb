/**
 * A/B of two builds of the library in one process: the method behind "Fixes, each measured before and
 * after" in docs/BENCHMARKS.md. Not a test.
 *
 * Both builds are transpiled copies of src/ and bench/ (made by `npx projen bench --keep-build DIR`, which
 * also transpiles this file). Run the compiled script with plain node, from the project root:
 *
 *   NODE_PATH=node_modules node --expose-gc DIR_B/bench/ab.js --a DIR_A --b DIR_B [--variant-a secure+aspect]
 *     [--variant-b secure+aspect] [--n 200] [--rounds 20] [--validation]
 *
 * Each round builds and synthesizes the app of variant A with build A and the app of variant B with build
 * B (bench/apps.ts `buildApp`), in alternating order, after `gc()`, the event loop turning after each;
 * both builds share one aws-cdk-lib.
 * It prints the medians and the median of the per-round ratios B/A, wall and CPU time. The same build
 * on both sides is the control: it should print about 1.00.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { arg, gc, median, nextTurn } from './util';

interface Apps {
  buildApp(variant: string, n: number, options: { outdir: string; validation: boolean }): { synth(): unknown };
}

const BUILD_HINT = 'the directory of a build made with `npx projen bench --keep-build DIR`.';

function load(dir: string): Apps {
  const file = path.resolve(dir, 'bench', 'apps.js');
  if (!fs.existsSync(file)) { throw new Error(`${file} does not exist: build it with \`npx projen bench --keep-build ${dir}\`.`); }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as Apps;
}

function once(apps: Apps, variant: string, n: number, validation: boolean): { wall: number; cpu: number } {
  gc();
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-ab-'));
  try {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    apps.buildApp(variant, n, { outdir, validation }).synth();
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    return { wall, cpu: (c.user + c.system) / 1000 };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const a = load(arg('a', undefined, BUILD_HINT));
  const b = load(arg('b', undefined, BUILD_HINT));
  const variantA = arg('variant-a', 'secure+aspect');
  const variantB = arg('variant-b', variantA);
  const n = Number(arg('n', '200'));
  const rounds = Number(arg('rounds', '20'));
  const validation = process.argv.includes('--validation');
  // The event loop turns after each measurement, as between the tests of a suite.
  const measureA = async () => { const x = once(a, variantA, n, validation); await nextTurn(); return x; };
  const measureB = async () => { const x = once(b, variantB, n, validation); await nextTurn(); return x; };
  for (let i = 0; i < 2; i++) { await measureA(); await measureB(); } // warm-up
  const samples: { a: { wall: number; cpu: number }; b: { wall: number; cpu: number } }[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      const first = await measureA();
      samples.push({ a: first, b: await measureB() });
    } else {
      const first = await measureB();
      samples.push({ a: await measureA(), b: first });
    }
  }
  const wallRatios = samples.map(s => s.b.wall / s.a.wall);
  const cpuRatios = samples.map(s => s.b.cpu / s.a.cpu);
  console.log(`N=${n}, validation ${validation ? 'on' : 'off'}, ${rounds} rounds, load ${os.loadavg()[0].toFixed(1)}`);
  console.log(`A ${variantA}: median ${median(samples.map(s => s.a.wall)).toFixed(0)} ms wall, ${median(samples.map(s => s.a.cpu)).toFixed(0)} ms CPU`);
  console.log(`B ${variantB}: median ${median(samples.map(s => s.b.wall)).toFixed(0)} ms wall, ${median(samples.map(s => s.b.cpu)).toFixed(0)} ms CPU`);
  console.log(`B/A: wall ${median(wallRatios).toFixed(3)}, CPU ${median(cpuRatios).toFixed(3)}; B faster in ${wallRatios.filter(r => r < 1).length} of ${rounds}`);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
