/**
 * Test helper: evaluate requests against a CDK-synthesized S3 bucket policy with
 * the real IAM evaluator from `@cloud-copilot/iam-simulate`, its intrinsics resolved
 * for the test environment (see intrinsics.ts).
 */
import {
  runSimulation,
  type RequestAnalysis,
  type RunSimulationResults,
  type Simulation,
} from '@cloud-copilot/iam-simulate';
import {
  bucketArnFor, bucketNameFor, BucketPolicyLookupOptions, CfnTemplate, DEFAULT_OBJECT_KEY, findBucketPolicy, FoundBucketPolicy, TEST_ACCOUNT,
} from './intrinsics';

export type EvaluationResult = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** A context value; `undefined` removes the key (so "absent key" behaviour can be tested). */
export type ContextValue = string | string[] | undefined;
export type ContextInput = Record<string, ContextValue>;

// ---------------------------------------------------------------------------
// Request context
// ---------------------------------------------------------------------------

/** True for service principals such as `logging.s3.amazonaws.com` (the same rule iam-simulate uses). */
export function isServicePrincipal(principal: string): boolean {
  return !principal.startsWith('arn:') && principal.endsWith('.amazonaws.com');
}

/** The account id embedded in an IAM/STS principal ARN. */
export function principalAccount(principal: string): string | undefined {
  const parts = principal.split(':');
  return parts.length >= 6 && parts[0] === 'arn' && parts[4] ? parts[4] : undefined;
}

/** `aws:PrincipalArn` for a principal: for assumed-role sessions this is the role ARN. */
export function principalArnFor(principal: string): string {
  const assumed = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(principal);
  if (assumed) {
    return `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`;
  }
  return principal;
}

/**
 * A "good" request context for `principal`: TLS 1.3 and the principal keys AWS would set.
 * Entries of `overrides` replace defaults; an `undefined` value removes the key.
 */
export function defaultContext(principal: string, overrides: ContextInput = {}): Record<string, string | string[]> {
  const context: ContextInput = {
    'aws:SecureTransport': 'true',
    's3:TlsVersion': '1.3',
  };
  if (isServicePrincipal(principal)) {
    context['aws:PrincipalIsAWSService'] = 'true';
    context['aws:PrincipalServiceName'] = principal;
  } else {
    const account = principalAccount(principal);
    if (account === undefined) {
      throw new Error(`Cannot derive the account of principal '${principal}'; use an IAM ARN or a service principal`);
    }
    context['aws:PrincipalAccount'] = account;
    context['aws:PrincipalArn'] = principalArnFor(principal);
    context['aws:PrincipalIsAWSService'] = 'false';
  }
  Object.assign(context, overrides);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(context)) {
    if (v !== undefined) {
      out[k] = v;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

export interface EvaluateRequest {
  /** An IAM principal ARN (role, user, assumed-role session, root) or a service principal. */
  readonly principal: string;
  /** e.g. `s3:PutObject` */
  readonly action: string;
  /** `'bucket'`, `'object'` (-> `<bucket arn>/<objectKey>`) or an explicit ARN. @default 'object' */
  readonly resource?: 'bucket' | 'object' | string;
  /** Object key used with `resource: 'object'`. @default DEFAULT_OBJECT_KEY */
  readonly objectKey?: string;
  /** Merged over `defaultContext(principal)`; `undefined` removes a key. */
  readonly context?: ContextInput;
  /** Use exactly this context instead of `defaultContext(principal)` + `context`. */
  readonly rawContext?: Record<string, string | string[]>;
  /**
   * Whether the principal has an identity policy allowing `s3:*` on `*`.
   * @default true for IAM principals, false for service principals (which have no identity policies)
   */
  readonly identityPolicyAllows?: boolean;
  /** Additional identity policy documents for the principal. */
  readonly identityPolicies?: Record<string, unknown>[];
  /** Account that owns the bucket. @default TEST_ACCOUNT */
  readonly resourceAccount?: string;
}

export interface EvaluationDetails {
  readonly result: EvaluationResult;
  /** The exact input passed to `runSimulation`. */
  readonly simulation: Simulation;
  /** The raw `runSimulation` output. */
  readonly raw: RunSimulationResults;
  /** Analysis of the (single) simulated request. */
  readonly analysis: RequestAnalysis;
  /** Sid (or 1-based index) of bucket policy statements that explicitly denied the request. */
  readonly deniedBy: string[];
  /** Sid (or 1-based index) of bucket policy statements that allowed the request. */
  readonly allowedBy: string[];
  /** Context keys dropped by the simulator because they do not apply to the action/resource. */
  readonly ignoredContextKeys: string[];
}

export const ALLOW_ALL_S3_IDENTITY_POLICY: Record<string, unknown> = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
};

type StatementLike = { statement: { sid(): string | undefined; index(): number } };

function statementIds(statements: StatementLike[] | undefined): string[] {
  return (statements ?? []).map((s) => s.statement.sid() ?? String(s.statement.index()));
}

/** Evaluates requests against one bucket's synthesized bucket policy. */
export class BucketPolicyEvaluator {
  /** Build an evaluator from `Template.fromStack(stack).toJSON()`. */
  public static fromTemplate(template: CfnTemplate, options: BucketPolicyLookupOptions = {}): BucketPolicyEvaluator {
    return new BucketPolicyEvaluator(template, findBucketPolicy(template, options));
  }

  public readonly bucketLogicalId: string;
  public readonly policyLogicalId: string;
  public readonly bucketName: string;
  public readonly bucketArn: string;
  /** The resolved bucket policy document handed to the simulator. */
  public readonly policyDocument: Record<string, unknown>;

  private constructor(public readonly template: CfnTemplate, found: FoundBucketPolicy) {
    this.bucketLogicalId = found.bucketLogicalId;
    this.policyLogicalId = found.policyLogicalId;
    this.policyDocument = found.policyDocument;
    this.bucketName = bucketNameFor(template, found.bucketLogicalId);
    this.bucketArn = bucketArnFor(template, found.bucketLogicalId);
  }

  /** `<bucket arn>/<key>` */
  public objectArn(key: string = DEFAULT_OBJECT_KEY): string {
    return `${this.bucketArn}/${key}`;
  }

  /** Builds the `runSimulation` input for a request (exposed for debugging). */
  public buildSimulation(request: EvaluateRequest): Simulation {
    const service = isServicePrincipal(request.principal);
    const identityAllows = request.identityPolicyAllows ?? !service;
    const identityPolicies = [
      ...(identityAllows ? [ALLOW_ALL_S3_IDENTITY_POLICY] : []),
      ...(request.identityPolicies ?? []),
    ].map((policy, i) => ({ name: `identity-${i + 1}`, policy }));

    return {
      request: {
        principal: request.principal,
        action: request.action,
        resource: {
          resource: this.resolveResource(request),
          accountId: request.resourceAccount ?? TEST_ACCOUNT,
        },
        contextVariables: request.rawContext ?? defaultContext(request.principal, request.context),
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: this.policyDocument,
    };
  }

  /** Evaluates the request; throws if the simulator reports input errors. */
  public async evaluate(request: EvaluateRequest): Promise<EvaluationResult> {
    return (await this.evaluateDetailed(request)).result;
  }

  /** Like `evaluate`, but also returns the simulation input, raw output and deciding statements. */
  public async evaluateDetailed(request: EvaluateRequest): Promise<EvaluationDetails> {
    const simulation = this.buildSimulation(request);
    const raw = await runSimulation(simulation, {});
    if (raw.resultType === 'error') {
      throw new Error(
        `iam-simulate rejected the simulation (${raw.errors.message}) for ${request.action} on ` +
        `${simulation.request.resource.resource}: ${JSON.stringify(raw.errors, null, 2)}`,
      );
    }
    if (raw.resultType !== 'single') {
      throw new Error(
        `Expected a single-resource simulation, got '${raw.resultType}' for resource ` +
        `${simulation.request.resource.resource} (avoid wildcards in the request resource)`,
      );
    }
    const analysis = raw.result.analysis;
    // A condition value the simulator cannot read (e.g. a role name where ArnNotLike needs an ARN) makes
    // it answer "no match" whatever the operator, which can switch a Deny off: never a silent result.
    const conditionErrors = conditionValueErrors(analysis);
    if (conditionErrors.length > 0) {
      throw new Error(`iam-simulate could not judge a condition of the policy for ${request.action} on `
        + `${simulation.request.resource.resource}: ${[...new Set(conditionErrors)].join('; ')}`);
    }
    return {
      result: raw.overallResult,
      simulation,
      raw,
      analysis,
      deniedBy: statementIds(analysis.resourceAnalysis?.denyStatements),
      allowedBy: statementIds(analysis.resourceAnalysis?.allowStatements),
      ignoredContextKeys: raw.result.ignoredContextKeys ?? [],
    };
  }

  private resolveResource(request: EvaluateRequest): string {
    const resource = request.resource ?? 'object';
    if (resource === 'bucket') {
      return this.bucketArn;
    }
    if (resource === 'object') {
      return this.objectArn(request.objectKey);
    }
    return resource;
  }
}

/** The errors the simulator reports on condition values anywhere in its analysis (objects with `operator` or `conditionKeyValue`). */
function conditionValueErrors(analysis: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown, inCondition: boolean): void => {
    if (Array.isArray(node)) { node.forEach(n => walk(n, inCondition)); return; }
    if (node === null || typeof node !== 'object') { return; }
    const record = node as Record<string, unknown>;
    const condition = inCondition || 'operator' in record || 'conditionKeyValue' in record;
    if (condition && Array.isArray(record.errors)) { found.push(...record.errors.map(String)); }
    for (const value of Object.values(record)) { walk(value, condition); }
  };
  walk(analysis, false);
  return found;
}
