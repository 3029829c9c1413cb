/**
 * Acknowledgements recorded in the cloud assembly: `Validations.of(x).acknowledge({ id, reason })` in the
 * app, read back from the stack artifacts' metadata, applied to the findings of any checker.
 */
import type { AssemblyMetadataEntry } from './assembly';
import { CheckerFinding, CheckerName } from './findings';

/** `Validations.ACKNOWLEDGED_RULES_METADATA_KEY`, as written to the cloud assembly. */
export const ACKNOWLEDGED_RULES = 'aws:cdk:acknowledged-rules';
const LOGICAL_ID = 'aws:cdk:logicalId';

/** Rule-id prefixes of the cdk-nag packs this script runs. */
const NAG_RULE_PREFIXES = ['AwsSolutions-', 'NIST.800.53.R5-', 'HIPAA.Security-', 'PCI.DSS.321-'];

export interface RecordedAcknowledgement {
  /** Construct path it was recorded on, without the leading '/'. */
  readonly path: string;
  /** The id as given to `acknowledge()` ('Annotation::' removed; a plugin namespace 'Pack::' is kept). */
  readonly id: string;
  /** Why ('' when none was given: such an acknowledgement does not count). */
  readonly reason: string;
}

/**
 * Which part of a stack artifact's metadata a template holds. A stack artifact's metadata also
 * covers the constructs of its NestedStacks, whose logical ids may repeat the parent's.
 */
export interface MetadataScope {
  /** Construct path of the (nested) stack, without the leading '/'. */
  readonly root: string;
  /** Construct paths of the NestedStacks below it, whose resources are in other templates. */
  readonly nestedRoots: readonly string[];
}

/**
 * What a stack's metadata says about its resources: their construct paths and the acknowledgements.
 * An acknowledgement applies to the construct it was recorded on and to everything below it, as
 * cdk-nag itself applies it (acknowledgements on the App or a Stage are not written to the cloud
 * assembly, so they cannot be seen here). At one construct, an acknowledgement with a reason wins
 * over one without; the nearest construct wins.
 */
export class StackMetadata {
  private readonly pathsById = new Map<string, string[]>();
  public readonly acknowledgements: RecordedAcknowledgement[] = [];

  /**
   * @param metadata the stack artifact's metadata, keyed by construct path
   * @param scope the part of it this template holds (default: every path)
   * @param used acknowledgements used so far, shared by a stack and its nested stacks
   */
  constructor(
    metadata: Record<string, readonly AssemblyMetadataEntry[]>,
    scope?: MetadataScope,
    private readonly used: Set<string> = new Set(),
  ) {
    const under = (p: string, root: string) => root === '' || p === root || p.startsWith(`${root}/`);
    const inScope = (p: string) => !scope || (under(p, scope.root) && !scope.nestedRoots.some(n => under(p, n)));
    for (const [rawPath, entries] of Object.entries(metadata)) {
      const p = rawPath.replace(/^\//, '');
      for (const entry of entries) {
        if (entry.type === LOGICAL_ID && typeof entry.data === 'string') {
          if (!inScope(p)) continue;
          const list = this.pathsById.get(entry.data) ?? [];
          list.push(p);
          this.pathsById.set(entry.data, list);
        } else if (entry.type === ACKNOWLEDGED_RULES && entry.data && typeof entry.data === 'object') {
          for (const [id, reason] of Object.entries<unknown>(entry.data)) {
            this.acknowledgements.push({ path: p, id: id.replace(/^annotation::/i, ''), reason: typeof reason === 'string' ? reason.trim() : '' });
          }
        }
      }
    }
  }

  /** Construct paths of a logical id (usually one). */
  public pathsOf(logicalId: string): string[] {
    return this.pathsById.get(logicalId) ?? [];
  }

  /**
   * The nearest acknowledgement of `ruleId` on the resource or one of its ancestors, if any. It may
   * have no reason (then it does not count: see `applyAcknowledgements`).
   */
  public acknowledgementOf(logicalId: string, ruleId: string): RecordedAcknowledgement | undefined {
    let best: RecordedAcknowledgement | undefined;
    for (const resourcePath of this.pathsOf(logicalId)) {
      for (const ack of this.acknowledgements) {
        if (!acknowledges(ack.id, ruleId)) continue;
        if (resourcePath !== ack.path && !resourcePath.startsWith(`${ack.path}/`)) continue;
        const nearer = !best || ack.path.length > best.path.length;
        const sameButReasoned = best && ack.path.length === best.path.length && best.reason === '' && ack.reason !== '';
        if (nearer || sameButReasoned) best = ack;
      }
    }
    if (best && best.reason !== '') this.used.add(ackKey(best));
    return best;
  }

  /** Acknowledgements of the given checkers' rules that no finding needed. */
  public unusedAcknowledgements(checkers: readonly CheckerName[] = ['cdk-nag']): RecordedAcknowledgement[] {
    return this.acknowledgements.filter(a => {
      const checker = checkerOfRule(a.id);
      return !this.used.has(ackKey(a)) && checker !== undefined && checkers.includes(checker);
    });
  }
}

function ackKey(a: RecordedAcknowledgement): string {
  return `${a.path}\u0000${a.id}`;
}

/** The checker a rule id belongs to, from its form ('AwsSolutions-S1', 'CT.S3.PR.9', 'CKV_AWS_18', 'W3005'). */
export function checkerOfRule(id: string): CheckerName | undefined {
  const bare = bareRuleId(id);
  if (NAG_RULE_PREFIXES.some(prefix => bare.startsWith(prefix))) return 'cdk-nag';
  if (/^CT\.[A-Z0-9]+\.PR\.\d+$/.test(bare)) return 'control-tower';
  if (/^CKV2?_[A-Z0-9_]+$/.test(bare)) return 'checkov';
  if (/^[EWI]\d{4}$/.test(bare)) return 'cfn-lint';
  return undefined;
}

/** A (nested) stack's display name and what its metadata says (see `LoadedStack`). */
export interface AcknowledgingStack {
  readonly stack: string;
  readonly meta: StackMetadata;
}

/**
 * Marks the open findings that the app acknowledged, on their resource or an ancestor, with a
 * reason. An acknowledgement without a reason leaves the finding open and says so.
 */
export function applyAcknowledgements(findings: readonly CheckerFinding[], stacks: readonly AcknowledgingStack[]): void {
  const byName = new Map(stacks.map(s => [s.stack, s]));
  for (const f of findings) {
    const s = byName.get(f.stack);
    if (f.status !== 'open' || !s || !f.logicalId) continue;
    const ack = s.meta.acknowledgementOf(f.logicalId, f.rule);
    if (!ack) continue;
    if (ack.reason === '') {
      (f as { message: string }).message = `${f.message} (acknowledged on /${ack.path} without a reason, which does not count: give one)`;
      continue;
    }
    f.status = 'acknowledged';
    f.reason = ack.reason;
    f.exceptedBy = `/${ack.path}`;
  }
}

/**
 * Whether an acknowledged id covers a rule id. Both forms CDK accepts: the rule id itself
 * ('AwsSolutions-S1', or a granular 'AwsSolutions-IAM5[Action::s3:*]'), and the plugin-namespaced
 * id ('AwsSolutions::AwsSolutions-S1').
 */
export function acknowledges(acknowledgedId: string, ruleId: string): boolean {
  return bareRuleId(acknowledgedId) === ruleId;
}

function bareRuleId(id: string): string {
  const bare = id.replace(/^annotation::/i, '');
  const bracket = bare.indexOf('[');
  const head = bracket === -1 ? bare : bare.slice(0, bracket);
  const ns = head.indexOf('::');
  return ns === -1 ? bare : bare.slice(ns + 2);
}
