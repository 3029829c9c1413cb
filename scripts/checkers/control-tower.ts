/**
 * The AWS Control Tower proactive controls: the cfn-guard rules bundled in
 * `@cdklabs/cdk-validator-cfnguard`, over a synthesized template as the tests run them
 * (`controlTowerViolations`), and over every template of a cloud assembly in one run, as
 * check-assembly runs them (`runControlTower`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { IPolicyValidationContextBeta1, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LoadedStack, resourceTypeOf } from './assembly';
import { CheckerFinding } from './findings';

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

/** Every bundled Control Tower guard rule, over all templates in one cfn-guard run. */
export function runControlTower(stacks: readonly LoadedStack[]): CheckerFinding[] {
  const byFile = new Map(stacks.map(s => [path.resolve(s.templateFile), s]));
  // The Beta1 context type also declares `appConstruct`, which the guard plugin never reads.
  const report = new CfnGuardValidator({}).validate({ templatePaths: stacks.map(s => s.templateFile) } as any);
  const out: CheckerFinding[] = [];
  const seen = new Set<string>();
  for (const v of report.violations) {
    // The control id leads the description: '[CT.S3.PR.1]: Require an Amazon S3 bucket to ...'.
    const match = /^\s*\[([^\]]+)\]:?\s*(.*)$/s.exec(v.description ?? '');
    const rule = match ? match[1] : v.ruleName;
    for (const r of v.violatingResources) {
      const s = byFile.get(path.resolve(r.templatePath));
      const key = `${rule}|${r.templatePath}|${r.resourceLogicalId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        checker: 'control-tower',
        rule,
        stack: s?.stack ?? r.templatePath,
        logicalId: r.resourceLogicalId,
        resourceType: s ? resourceTypeOf(s, r.resourceLogicalId) : undefined,
        constructPaths: s ? s.meta.pathsOf(r.resourceLogicalId) : [],
        message: match ? match[2] : v.description,
        status: 'open',
      });
    }
  }
  return out;
}
