/**
 * Helpers over CloudFormation values as synthesized, shared by the size estimate, the
 * restriction views and the compliance rules.
 */

/** True for a CloudFormation intrinsic (`Ref`, `Fn::...`): a value not known at synth. */
export function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) { return false; }
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/**
 * IAM-style glob match (`*` and `?`): case-insensitive by default, as IAM actions are; ARNs
 * (`ArnLike`) are matched with `caseInsensitive` false.
 */
export function globMatch(pattern: string, value: string, caseInsensitive = true): boolean {
  const key = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let regex = GLOBS.get(key);
  if (!regex) {
    const source = '^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$';
    regex = new RegExp(source, caseInsensitive ? 'i' : '');
    if (GLOBS.size >= 10_000) { GLOBS.clear(); }
    GLOBS.set(key, regex);
  }
  return regex.test(value);
}

/** Compiled glob patterns (bounded): the rules match the same few patterns (actions, principals) many times. */
const GLOBS = new Map<string, RegExp>();
