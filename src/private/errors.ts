import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The one way this library reports invalid input.
 *
 * Every message names the prop, shows the value and says what to do instead:
 * `[Stack/Data] 'versioned' cannot be false: SecureBucket always versions objects (got false). Remove the prop.`
 */
export function invalidProp(where: IConstruct | string, prop: string, value: unknown, reason: string, fix: string): never {
  const path = typeof where === 'string' ? where : where.node.path;
  throw new Error(`[${path}] '${prop}' ${reason} (got ${describe(value)}). ${fix}`);
}

/** The path a construct will have, for errors raised before it exists. */
export function futurePath(scope: IConstruct, id: string): string {
  return scope.node.path ? `${scope.node.path}/${id}` : id;
}

/** A short, readable rendering of a value for error messages. Tokens are shown as such. */
export function describe(value: unknown): string {
  if (value === undefined) { return 'undefined'; }
  if (typeof value === 'string') {
    return Token.isUnresolved(value) ? '<unresolved token>' : JSON.stringify(value);
  }
  if (typeof value === 'number') {
    return Token.isUnresolved(value) ? '<unresolved token>' : String(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map(describe).join(', ')}]`;
  }
  if (value && typeof value === 'object') {
    const ctor = (value as object).constructor?.name;
    try {
      const json = JSON.stringify(value);
      return ctor && ctor !== 'Object' ? `${ctor} ${json}` : json;
    } catch {
      return ctor ?? 'object';
    }
  }
  return String(value);
}

/** True when the value cannot be checked at synth time (a token, or a list token). */
export function isUnresolved(value: unknown): boolean {
  return value !== undefined && value !== null && Token.isUnresolved(value);
}
