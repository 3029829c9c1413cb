/**
 * cdk-nag 3: its four rule packs (AwsSolutions, NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1) over a
 * construct tree, as the tests run them (`nagFindings`), and over the templates of a cloud assembly
 * rebuilt as L1 constructs, as check-assembly runs them (`runCdkNag`).
 *
 * - `nagFindings()` runs the packs directly over a construct tree with `NagPack.validateScope()`
 *   (synchronous; no synthesis, no plugin registration).
 *
 * Notes (verified against cdk-nag 3.0.2 / aws-cdk-lib 2.276.0):
 * - cdk-nag itself drops findings acknowledged with
 *   `Validations.of(c).acknowledge({ id: 'AwsSolutions-S1', reason })` on the
 *   CfnResource or ANY ancestor (L2 construct, Stack, Stage, App). Acknowledged
 *   findings are not returned at all; use `nagAcknowledgements()` to list them.
 * - CDK's synth-time validation additionally honours the plugin-namespaced form
 *   (`'AwsSolutions::AwsSolutions-S1'`, which is what the CDK error message
 *   suggests), but `validateScope()` does NOT. `nagFindings()` filters those too,
 *   so it agrees with what `cdk synth` would report.
 * - cdk-nag reads L1 properties (not the synthesized template): raw
 *   `addPropertyOverride()` changes are invisible to it, and changes made by
 *   Aspects are only visible after synthesis (see `NagFindingsOptions.synth`).
 */
import {
  App,
  CfnResource,
  Stack,
  Stage,
  Validations,
} from 'aws-cdk-lib';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NagPack,
  NIST80053R5Checks,
  PCIDSS321Checks,
} from 'cdk-nag';
import { IConstruct } from 'constructs';
import { LoadedStack, resourceTypeOf } from './assembly';
import { CheckerFinding, UsageError } from './findings';

/** The cdk-nag packs this helper knows about. */
export type NagPackName = 'AwsSolutions' | 'NIST80053R5' | 'HIPAASecurity' | 'PCIDSS321';

/** All four packs, in the order they are run. */
export const ALL_NAG_PACKS: readonly NagPackName[] = ['AwsSolutions', 'NIST80053R5', 'HIPAASecurity', 'PCIDSS321'];

const PACK_FACTORIES: Record<NagPackName, () => NagPack> = {
  AwsSolutions: () => new AwsSolutionsChecks(),
  NIST80053R5: () => new NIST80053R5Checks(),
  HIPAASecurity: () => new HIPAASecurityChecks(),
  PCIDSS321: () => new PCIDSS321Checks(),
};

/** One unacknowledged cdk-nag finding on one resource. */
export interface Finding {
  /** Full rule id as used for acknowledgements, e.g. 'AwsSolutions-S1', 'NIST.800.53.R5-S3BucketReplicationEnabled'. */
  readonly ruleId: string;
  /** Construct path of the offending CfnResource, e.g. 'Stack/Bucket/Resource'. */
  readonly resourcePath: string;
  /** CloudFormation logical id of the resource, if it could be resolved. */
  readonly logicalId?: string;
  /** Construct path of the enclosing Stack, e.g. 'Stack' or 'Stage/Stack'. */
  readonly stack?: string;
  /** cdk-nag's one-line description of the problem. */
  readonly message: string;
  /** Which pack produced the finding. */
  readonly pack: NagPackName;
  /** 'error' or 'warning' as reported by cdk-nag. */
  readonly severity?: string;
}

export interface NagFindingsOptions {
  /**
   * Synthesize the enclosing App first so that Aspects have been applied to the
   * tree before the rules look at it. Note that synthesis runs any validation
   * plugins registered on the app (and the built-in CloudFormation validation
   * unless the App was created with `builtinCloudFormationValidation: false`).
   *
   * @default false
   */
  readonly synth?: boolean;
}

/**
 * Run cdk-nag packs over `scope` (an App, Stage, Stack or any construct) and
 * return the findings that are NOT acknowledged, sorted by rule id then path.
 */
export function nagFindings(
  scope: IConstruct,
  packs: readonly NagPackName[] = ALL_NAG_PACKS,
  options: NagFindingsOptions = {},
): Finding[] {
  if (options.synth) {
    const root = scope.node.root;
    if (!App.isApp(root)) {
      throw new Error('nagFindings: { synth: true } requires the scope to be inside an App');
    }
    root.synth();
  }

  const resourcesByPath = new Map<string, CfnResource>();
  for (const c of scope.node.findAll()) {
    if (CfnResource.isCfnResource(c)) {
      resourcesByPath.set(c.node.path, c);
    }
  }

  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const packName of packs) {
    const factory = PACK_FACTORIES[packName];
    if (!factory) {
      throw new Error(`nagFindings: unknown pack '${packName}', expected one of ${ALL_NAG_PACKS.join(', ')}`);
    }
    const pack = factory();
    const report = pack.validateScope(scope);
    for (const violation of report.violations) {
      for (const resource of violation.violatingResources) {
        const resourcePath = resource.constructPath ?? resource.resourceLogicalId ?? '';
        const cfn = resourcesByPath.get(resourcePath);
        if (cfn && isNamespacedAcknowledged(cfn, pack.name, violation.ruleName)) {
          continue;
        }
        const key = `${violation.ruleName}@${resourcePath}`;
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push({
          ruleId: violation.ruleName,
          resourcePath,
          logicalId: cfn ? logicalIdOf(cfn) : resource.resourceLogicalId,
          stack: cfn ? Stack.of(cfn).node.path : undefined,
          message: violation.description,
          pack: packName,
          severity: violation.severity,
        });
      }
    }
  }
  return findings.sort((a, b) => a.ruleId.localeCompare(b.ruleId) || a.resourcePath.localeCompare(b.resourcePath));
}

/** Convenience: the distinct rule ids of `findings` (sorted). */
export function ruleIds(findings: readonly Finding[]): string[] {
  return Array.from(new Set(findings.map(f => f.ruleId))).sort();
}

/** Convenience: `{ [resourcePath]: sorted rule ids }`. */
export function ruleIdsByResource(findings: readonly Finding[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of findings) {
    (out[f.resourcePath] ??= []).push(f.ruleId);
  }
  for (const k of Object.keys(out)) out[k].sort();
  return out;
}

/** An acknowledgement recorded with `Validations.of(construct).acknowledge()`. */
export interface Acknowledgement {
  /** The rule id as given, without CDK's 'Annotation::' prefix (a plugin namespace like 'AwsSolutions::' is kept). */
  readonly id: string;
  readonly reason: string;
  /** Construct path the acknowledgement was recorded on. */
  readonly constructPath: string;
  /** What kind of construct it was recorded on. Acknowledging on a Stack/Stage/App silences the rule for every resource below. */
  readonly on: 'app' | 'stage' | 'stack' | 'cfn-resource' | 'construct';
}

/**
 * Ids of the checkers that only run on the cloud assembly (scripts/check-assembly.ts): AWS Control
 * Tower controls ('CT.S3.PR.9'), checkov checks ('CKV_AWS_18') and cfn-lint rules ('W3005').
 */
const ASSEMBLY_CHECKER_RULE = /^(CT\.[A-Z0-9]+\.PR\.\d+|CKV2?_[A-Z0-9_]+|[EWI]\d{4})$/;

/**
 * List every acknowledgement recorded on `scope` or below it (cdk-nag itself does
 * not report acknowledged findings anywhere, so this is the way to audit them),
 * except those of the checkers that run on the cloud assembly only (Control Tower,
 * checkov, cfn-lint): see `assemblyCheckerAcknowledgements()`.
 */
export function nagAcknowledgements(scope: IConstruct): Acknowledgement[] {
  return allAcknowledgements(scope).filter(a => !ASSEMBLY_CHECKER_RULE.test(a.id));
}

/** The acknowledgements of Control Tower, checkov and cfn-lint rules recorded on `scope` or below it. */
export function assemblyCheckerAcknowledgements(scope: IConstruct): Acknowledgement[] {
  return allAcknowledgements(scope).filter(a => ASSEMBLY_CHECKER_RULE.test(a.id));
}

function allAcknowledgements(scope: IConstruct): Acknowledgement[] {
  const out: Acknowledgement[] = [];
  for (const c of scope.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({
          id: id.replace(/^annotation::/i, ''),
          reason,
          constructPath: c.node.path,
          on: kindOf(c),
        });
      }
    }
  }
  return out;
}

function kindOf(c: IConstruct): Acknowledgement['on'] {
  if (App.isApp(c)) return 'app';
  if (Stage.isStage(c)) return 'stage';
  if (Stack.isStack(c)) return 'stack';
  if (CfnResource.isCfnResource(c)) return 'cfn-resource';
  return 'construct';
}

/**
 * cdk-nag only matches acknowledgements stored as 'Annotation::<ruleId>' (what
 * `acknowledge({ id: ruleId })` records). CDK's synth-time report also honours
 * '<pluginNamespace>::<ruleId>' (e.g. 'AwsSolutions::AwsSolutions-S1'), so we
 * mirror that here.
 */
function isNamespacedAcknowledged(resource: IConstruct, pluginName: string, ruleId: string): boolean {
  const wanted = `${pluginName.replace(/ /g, '-')}::${ruleId.replace(/ /g, '-')}`;
  let current: IConstruct | undefined = resource;
  while (current) {
    for (const entry of current.node.metadata) {
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data
        && Object.prototype.hasOwnProperty.call(entry.data, wanted)) {
        return true;
      }
    }
    current = current.node.scope;
  }
  return false;
}

function logicalIdOf(resource: CfnResource): string | undefined {
  try {
    const id = Stack.of(resource).resolve(resource.logicalId);
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Over a cloud assembly
// ---------------------------------------------------------------------------

const NAG_PACK_LABELS: Record<NagPackName, string> = {
  AwsSolutions: 'AwsSolutions',
  NIST80053R5: 'NIST 800-53 rev 5',
  HIPAASecurity: 'HIPAA Security',
  PCIDSS321: 'PCI DSS 3.2.1',
};

/** cdk-nag's four packs over the templates rebuilt as L1 constructs (acknowledgements are applied by `applyAcknowledgements`). */
export function runCdkNag(stacks: readonly LoadedStack[]): CheckerFinding[] {
  // Loaded here: the tests that import this module never rebuild a template.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CfnInclude } = require('aws-cdk-lib/cloudformation-include') as typeof import('aws-cdk-lib/cloudformation-include');
  const app = new App({ builtinCloudFormationValidation: false } as any);
  stacks.forEach((s, i) => {
    const stack = new Stack(app, `S${i}`);
    try {
      new CfnInclude(stack, 'Template', { templateFile: s.templateFile });
    } catch (e) {
      throw new UsageError(`cdk-nag: cannot rebuild ${s.stack} from its template (${s.templateFile}) with CfnInclude: ${(e as Error).message}`);
    }
  });
  return nagFindings(app).map(f => {
    const s = stacks[Number(f.resourcePath.split('/')[0].slice(1))];
    const logicalId = f.logicalId ?? f.resourcePath.split('/').pop()!;
    const finding: CheckerFinding = {
      checker: 'cdk-nag',
      rule: f.ruleId,
      stack: s.stack,
      logicalId,
      resourceType: resourceTypeOf(s, logicalId),
      constructPaths: s.meta.pathsOf(logicalId),
      message: `[${NAG_PACK_LABELS[f.pack]}] ${f.message}`,
      status: 'open',
    };
    return finding;
  });
}
