/**
 * Helpers of the benchmark scripts that load no part of the library: bench/ab.ts loads two builds of it
 * side by side and must not load a third.
 */

/** The value after `--name` on the command line, else `fallback`; throws (with `hint`) when neither is there. */
export function arg(name: string, fallback?: string, hint = ''): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
  if (value === undefined) { throw new Error(`--${name} is required${hint ? `: ${hint}` : '.'}`); }
  return value;
}

/** A full garbage collection (node --expose-gc). */
export function gc(): void {
  const collect = (global as { gc?: () => void }).gc;
  if (!collect) { throw new Error('Run with node --expose-gc.'); }
  collect();
}

/** The middle value (the lower of the two middle ones for an even count). */
export function median(xs: number[]): number {
  return [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
}

/**
 * Lets the event loop turn once, as it does between the tests of a suite and before a `cdk synth` process
 * exits: work deferred to the end of the JavaScript job runs (SecureBucketAspect releases what it rendered
 * then). Measurements in one process call it between apps, so that no variant carries the last app's
 * leftovers into the next measurement.
 */
export function nextTurn(): Promise<void> {
  return new Promise(resolve => setImmediate(resolve));
}
