import { IConstruct } from 'constructs';

/**
 * State the library keeps for one construct, held on the construct itself under a `Symbol.for` key
 * (as aws-cdk-lib marks its own constructs), instead of in a module-level map:
 * - it lives and dies with the construct, and needs no bookkeeping;
 * - two copies of this library in one app (a dependency that bundles its own) see the same state,
 *   as they see the same `SecureBucket` marker;
 * - nothing is added to the construct tree or the cloud assembly.
 *
 * `key` names the state (`'access.restrictions'`, `'replication.wiring'`); each key has one type.
 */
export function stateOf<T>(construct: IConstruct, key: string, create: () => T): T {
  const symbol = Symbol.for(`cdk-secure-bucket.${key}`);
  const holder = construct as unknown as Record<symbol, T | undefined>;
  let state = holder[symbol];
  if (state === undefined) {
    state = create();
    Object.defineProperty(construct, symbol, { value: state, enumerable: false, configurable: false, writable: false });
  }
  return state;
}

/** The state `key` of a construct, if any was created. */
export function existingStateOf<T>(construct: IConstruct, key: string): T | undefined {
  return (construct as unknown as Record<symbol, T | undefined>)[Symbol.for(`cdk-secure-bucket.${key}`)];
}
