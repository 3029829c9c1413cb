import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The error this library throws for invalid input: a stable `code` (`<Construct>.<Condition>`,
 * listed in docs/errors.md) and the path of the construct (or the name of the class) at fault.
 * The message ends with the code in brackets.
 */
export class SecureBucketError extends Error {
  public readonly name = 'SecureBucketError';

  constructor(public readonly code: string, public readonly constructPath: string, message: string) {
    super(withCode(code, message));
  }
}

/**
 * The one way this library reports invalid input.
 *
 * Every message names the prop, shows the value, says what to do instead and ends with the code:
 * `[Stack/Data] 'versioned' cannot be false: SecureBucket always versions objects (got false). Remove the prop. [SecureBucket.VersioningRequired]`
 */
export function invalidProp(code: string, where: IConstruct | string, prop: string, value: unknown, reason: string, fix: string): never {
  const path = typeof where === 'string' ? where : where.node.path;
  throw new SecureBucketError(code, path, `[${path}] '${prop}' ${reason} (got ${describe(value)}). ${fix}`);
}

/**
 * A message returned by a synth-time validation (`node.addValidation`), ending with its code the
 * way a `SecureBucketError` message does.
 */
export function validationMessage(code: string, text: string): string {
  return withCode(code, text);
}

function withCode(code: string, text: string): string {
  return `${text} [${code}]`;
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
