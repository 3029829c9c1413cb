/**
 * Test helpers: run independent compliance checkers over CDK code.
 *
 * - `nagFindings()` runs cdk-nag 3 rule packs (AwsSolutions, NIST 800-53 R5,
 *   HIPAA Security, PCI DSS 3.2.1) directly over a construct tree with
 *   `NagPack.validateScope()` (synchronous; no synthesis, no plugin registration).
 * - `controlTowerViolations()` runs the AWS Control Tower proactive-control
 *   cfn-guard rules bundled in `@cdklabs/cdk-validator-cfnguard` over a
 *   synthesized CloudFormation template.
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
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  App,
  CfnResource,
  IPolicyValidationContextBeta1,
  Stack,
  Stage,
  Validations,
} from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NagPack,
  NIST80053R5Checks,
  PCIDSS321Checks,
} from 'cdk-nag';
import { IConstruct } from 'constructs';

// ---------------------------------------------------------------------------
// cdk-nag
// ---------------------------------------------------------------------------

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
// Control Tower proactive controls (cfn-guard)
// ---------------------------------------------------------------------------

/** One failed Control Tower control, aggregated over the resources that fail it. */
export interface Violation {
  /** Control Tower control id, e.g. 'CT.S3.PR.1'. */
  readonly controlId: string;
  /** Name of the guard rule inside the file, e.g. 's3_bucket_level_public_access_prohibited_check'. */
  readonly ruleName: string;
  /** Guard file name (what `disabledRules` takes), e.g. 'ct-s3-pr-1'. */
  readonly guardFile: string;
  /** Logical ids of the failing resources (sorted). */
  readonly resourceLogicalIds: string[];
  /** The violation description, e.g. '[CT.S3.PR.1]: Require an Amazon S3 bucket to have block public access settings configured'. */
  readonly description: string;
  /** The remediation text from the rule, if any. */
  readonly fix?: string;
}

export interface ControlTowerOptions {
  /**
   * Guard rules to skip, by guard file name ('ct-s3-pr-9') or by control id
   * ('CT.S3.PR.9'). Unknown names throw (a typo would otherwise silently
   * disable nothing).
   */
  readonly disabledRules?: string[];
}

let guardFileIndex: Map<string, string> | undefined;

/** Map of guard file name (e.g. 'ct-s3-pr-1') to its absolute path, for every bundled Control Tower rule. */
export function controlTowerGuardFiles(): Map<string, string> {
  if (!guardFileIndex) {
    const root = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard')), '..', 'rules', 'control-tower', 'cfn-guard');
    const index = new Map<string, string>();
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          walk(full);
        } else if (entry.name.endsWith('.guard')) {
          index.set(path.basename(entry.name, '.guard'), full);
        }
      }
    };
    walk(root);
    guardFileIndex = index;
  }
  return guardFileIndex;
}

/** 'CT.S3.PR.1' -> 'ct-s3-pr-1' (holds for every bundled rule). */
export function guardFileForControl(controlId: string): string {
  return controlId.toLowerCase().replace(/\./g, '-');
}

/**
 * Run every bundled Control Tower guard rule over a template and return the
 * failures, one entry per control (sorted by guard file, numerically).
 *
 * @param template a path to a synthesized template file, a template object
 *   (e.g. `Template.fromStack(stack).toJSON()`), or a Stack (synthesized here).
 */
export function controlTowerViolations(template: object | string, options: ControlTowerOptions = {}): Violation[] {
  const known = controlTowerGuardFiles();
  const disabledRules = (options.disabledRules ?? []).map(r => (/^CT\./i.test(r) ? guardFileForControl(r) : r));
  const unknown = disabledRules.filter(r => !known.has(r));
  if (unknown.length > 0) {
    throw new Error(`controlTowerViolations: unknown guard rule(s) in disabledRules: ${unknown.join(', ')}`);
  }

  let tempDir: string | undefined;
  let templatePath: string;
  if (typeof template === 'string') {
    if (!fs.existsSync(template)) {
      throw new Error(`controlTowerViolations: template file not found: ${template}`);
    }
    templatePath = path.resolve(template);
  } else {
    const json = Stack.isStack(template) ? Template.fromStack(template).toJSON() : template;
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-guard-'));
    templatePath = path.join(tempDir, 'template.json');
    fs.writeFileSync(templatePath, JSON.stringify(json, undefined, 1));
  }

  try {
    const validator = new CfnGuardValidator({ disabledRules });
    // The Beta1 context type also declares `appConstruct`, which the guard plugin never reads.
    const context = { templatePaths: [templatePath] } as unknown as IPolicyValidationContextBeta1;
    const report = validator.validate(context);

    const merged = new Map<string, { v: Omit<Violation, 'resourceLogicalIds'>; ids: Set<string> }>();
    for (const violation of report.violations) {
      const match = /^\s*\[([^\]]+)\]/.exec(violation.description ?? '');
      const controlId = match ? match[1] : violation.ruleName;
      const key = `${controlId}|${violation.ruleName}`;
      let entry = merged.get(key);
      if (!entry) {
        entry = {
          v: {
            controlId,
            ruleName: violation.ruleName,
            guardFile: guardFileForControl(controlId),
            description: violation.description,
            fix: violation.fix,
          },
          ids: new Set<string>(),
        };
        merged.set(key, entry);
      }
      for (const r of violation.violatingResources) entry.ids.add(r.resourceLogicalId);
    }
    return Array.from(merged.values())
      .map(({ v, ids }) => ({ ...v, resourceLogicalIds: Array.from(ids).sort() }))
      .sort((a, b) => a.guardFile.localeCompare(b.guardFile, 'en', { numeric: true }));
  } finally {
    if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

/** Convenience: `{ [logicalId]: sorted control ids }`. */
export function controlIdsByResource(violations: readonly Violation[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of violations) {
    for (const id of v.resourceLogicalIds) (out[id] ??= []).push(v.controlId);
  }
  for (const k of Object.keys(out)) out[k].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return out;
}
