/**
 * Our rules against a peer's verdicts on the same input: every scenario of cdk-nag's own tests of the S3
 * and IAM rules that have an equivalent rule here, and the extra cases the mapping needs (peer-cases.ts).
 * cdk-nag's verdict is computed live, by calling its rule function on every L1 resource of the case's
 * stack; ours with `verdictOf` on every resource the rules judge. The two must agree, except for the
 * differences listed in `DIFFERENCES`, which must still differ.
 *
 * What counts as compliant:
 * - cdk-nag: no resource NON_COMPLIANT (or with findings); a rule that throws (a value it cannot
 *   resolve, such as a parameter) counts as non-compliant, as cdk-nag's packs report it as a
 *   CdkNagValidationFailure.
 * - ours: every verdict of the mapped rules is pass, not-applicable, not-applied (the rule does not
 *   judge the resource, e.g. SB-S3-4 on a log bucket) or an advisory fail (a setting AWS applies to a
 *   new bucket that the template does not declare: always a warning, never an error); fail and
 *   cannot-verify are non-compliant.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { caseName, PEER_CASES, PEER_RULES, PeerCase } from './peer-cases';
import { isJudged } from '../../src/rules/evaluation';
import { ALL_RULES } from '../../src/rules/registry';
import { verdictOf } from '../helpers/compliance';
import { newStack } from '../helpers/stacks';

/**
 * The deliberate differences, by case name, with the reason. An entry marked `BUG:` is a disagreement where
 * our rule is wrong (not merely stricter), kept here until its check is fixed.
 */
const ALL_FOUR = 'SB-S3-5 requires all four public access block settings; cdk-nag requires BlockPublicPolicy, and BlockPublicAcls only with a public canned ACL';
const UNDECLARED = 'cdk-nag requires BlockPublicPolicy to be declared; S3 turns all four settings (and BucketOwnerEnforced) on when it creates a bucket, '
  + 'which SB-S3-5 and SB-S3-6 report as advisories (compliant here)';
const PUBLIC_ACL_REFUSED = `${ALL_FOUR}; SB-S3-6 fails the public ACL too, which cdk-nag accepts because BlockPublicAcls refuses it (the stack does not deploy)`;
const ALLOW_LIST = 'SB-IAM-1 lets the principals of administratorArns administer buckets; cdk-nag has no allow-list';

const DIFFERENCES: Record<string, string> = {
  'S3BucketPublicReadProhibited: Noncompliance 1 (L2 without blockPublicAccess)': UNDECLARED,
  'S3BucketPublicReadProhibited: Compliance (BlockPublicPolicy and BlockPublicAcls, ACL PublicRead)': PUBLIC_ACL_REFUSED,
  'S3BucketPublicReadProhibited: Compliance (only BlockPublicPolicy, ACL Private)': ALL_FOUR,
  'S3BucketPublicReadProhibited: Compliance (BlockPublicPolicy and BlockPublicAcls, no ACL)': ALL_FOUR,
  'S3BucketPublicReadProhibited: Extra: only BlockPublicPolicy, ACL AuthenticatedRead':
    'AuthenticatedRead grants read to every AWS account: SB-S3-6 fails it, cdk-nag reads only PublicRead and PublicReadWrite (and SB-S3-5 requires all four settings)',
  'S3BucketPublicWriteProhibited: Noncompliance 1 (L2 without blockPublicAccess)': UNDECLARED,
  'S3BucketPublicWriteProhibited: Compliance (BlockPublicPolicy and BlockPublicAcls, ACL PublicReadWrite)': PUBLIC_ACL_REFUSED,
  'S3BucketPublicWriteProhibited: Compliance (only BlockPublicPolicy, ACL Private)': ALL_FOUR,
  'S3BucketPublicWriteProhibited: Compliance (BlockPublicPolicy and BlockPublicAcls, no ACL)': ALL_FOUR,

  'S3BucketLoggingEnabled: Extra: LogFilePrefix without DestinationBucketName':
    'without DestinationBucketName S3 writes the logs into the bucket itself: cdk-nag accepts a LogFilePrefix alone, SB-S3-4 fails a bucket that logs to itself',
  'S3BucketLoggingEnabled: Extra: DestinationBucketName is the bucket itself':
    'a bucket that logs to itself logs its own log deliveries without end: SB-S3-4 fails it, cdk-nag accepts any DestinationBucketName',
  'S3BucketLoggingEnabled: Extra: a bucket whose policy grants log delivery, nothing in the stack logs to it':
    'a bucket whose policy lets logging.s3.amazonaws.com deliver logs is a log target (of buckets elsewhere): SB-S3-4 judges data buckets only; '
    + 'cdk-nag knows only the log targets its own stack names',
  'S3BucketLoggingEnabled: Extra: DestinationBucketName from a parameter':
    'a value from a parameter is a finding, never a pass: SB-S3-4 cannot verify where the logs go; cdk-nag accepts any DestinationBucketName',

  'S3DefaultEncryptionKMS: Extra: L2, BucketEncryption.KMS_MANAGED (aws/s3)': 'cdk-nag accepts the AWS-managed key aws/s3; SB-S3-1 requires a customer-managed key',
  'S3DefaultEncryptionKMS: Extra: aws:kms:dsse with a key of the stack':
    'cdk-nag accepts only the algorithm aws:kms; SB-S3-1 accepts DSSE-KMS too (two layers, the KMS one with the customer-managed key)',
  'S3DefaultEncryptionKMS: Extra: aws:kms with the key from a parameter':
    'a key from a parameter may be aws/s3: SB-S3-1 cannot verify it; cdk-nag reads the algorithm only',
  'S3DefaultEncryptionKMS: Extra: an SSE-S3 log target of a KMS-encrypted bucket':
    'S3 delivers server access logs only to buckets with SSE-S3: SB-S3-1 does not judge log targets (SB-S3-16 requires SSE-S3 there); cdk-nag judges every bucket',

  'S3BucketSSLRequestsOnly: Extra: the Deny has an aws:SourceIp condition too':
    'IAM ANDs conditions, so the Deny leaves requests without TLS from 203.0.113.0/24 allowed: SB-S3-7 requires aws:SecureTransport to be the '
    + 'Deny\'s only condition; cdk-nag reads Condition.Bool alone',
  'S3BucketSSLRequestsOnly: Extra: BoolIfExists instead of Bool':
    'BoolIfExists denies the same requests (every request has aws:SecureTransport): SB-S3-7 accepts it, cdk-nag reads Condition.Bool only',
  'S3BucketSSLRequestsOnly: Extra: the Deny on arn:aws:s3:::* (every bucket and object)':
    'arn:aws:s3:::* covers the bucket and its objects: SB-S3-7 matches ARNs as IAM does, cdk-nag looks for the bucket\'s name or logical id in the ARN',

  'IAMPolicyNoStatementsWithAdminAccess: Compliance (unattached policy: glacier:DescribeJob, glacier:*, s3:* on objects)':
    's3:* on objects grants s3:PutObjectAcl (bucket administration), and the policy is attached to nobody, so SB-IAM-1 cannot verify who holds it; '
    + 'cdk-nag\'s rule reads "*" on "*" only',
  'IAMPolicyNoStatementsWithAdminAccess: Extra: role, s3:PutBucketPolicy on a bucket':
    'SB-IAM-1 reads the bucket-administration actions, named or through wildcards; cdk-nag\'s rule reads "*" on "*" only',
  'IAMPolicyNoStatementsWithAdminAccess: Extra: role, Allow NotAction iam:* on "*"':
    'Allow with NotAction iam:* grants every other action, bucket administration too: SB-IAM-1 fails it; cdk-nag\'s text match does not read NotAction',
  'IAMPolicyNoStatementsWithAdminAccess: Extra: an allow-listed administrator role, "*" on "*"': ALLOW_LIST,
  'IAMPolicyNoStatementsWithAdminAccess: Extra: role, "*" on "*" and an unconditional Deny of s3:* on "*"':
    'the Deny in the same policy takes every S3 action away, so no bucket administration is granted: SB-IAM-1 passes; cdk-nag does not read Denies',
  'IAMPolicyNoStatementsWithAdminAccess: Extra: L1 policy of a role, "*" on "*" written Effect first':
    'cdk-nag matches the policy\'s JSON text in the key order CDK writes (Action before Effect) and misses a statement written Effect first; SB-IAM-1 reads the statement',
  'IAMPolicyNoStatementsWithAdminAccess: Extra: L1 user with an inline policy, "*" on "*"':
    'cdk-nag\'s rule reads the inline policies of roles and groups, not of users; SB-IAM-1 reads users too',
  'IAMPolicyNoStatementsWithFullAccess: Extra: role, glacier:* on "*"':
    'SB-IAM-1 reads S3 bucket administration only; a wildcard of another service is outside its scope',
  'IAMPolicyNoStatementsWithFullAccess: Extra: role, s3:Put* on a bucket':
    's3:Put* grants s3:PutBucketPolicy: SB-IAM-1 fails it; cdk-nag matches only "*" and "service:*"',
  'IAMPolicyNoStatementsWithFullAccess: Extra: an allow-listed administrator role, s3:* on a bucket': ALLOW_LIST,
};

type Side = 'compliant' | 'non-compliant';

interface Judgement {
  readonly side: Side;
  /** One line per resource judged: its path and verdict. */
  readonly lines: string[];
}

function nagJudgement(c: PeerCase, stack: Stack): Judgement {
  const lines: string[] = [];
  let side: Side = 'compliant';
  for (const node of stack.node.findAll().filter(CfnResource.isCfnResource)) {
    let result: string;
    try {
      const raw = PEER_RULES[c.peer].check(node);
      if (raw === NagRuleCompliance.NOT_APPLICABLE) { continue; }
      result = Array.isArray(raw) ? (raw.length > 0 ? `findings ${raw.join(', ')}` : NagRuleCompliance.COMPLIANT) : raw;
      if (raw === NagRuleCompliance.NON_COMPLIANT || (Array.isArray(raw) && raw.length > 0)) { side = 'non-compliant'; }
    } catch (e) {
      result = `error (CdkNagValidationFailure): ${(e as Error).message}`;
      side = 'non-compliant';
    }
    lines.push(`${node.node.path}: ${result}`);
  }
  return { side, lines };
}

function ourJudgement(c: PeerCase, stack: Stack): Judgement {
  const lines: string[] = [];
  let side: Side = 'compliant';
  for (const node of stack.node.findAll().filter(isJudged)) {
    for (const id of PEER_RULES[c.peer].ours) {
      const v = verdictOf(node, id, c.options) as { status: string; detail?: string; advisory?: boolean };
      const advisory = v.status === 'fail' && v.advisory === true;
      if ((v.status === 'fail' && !advisory) || v.status === 'cannot-verify') { side = 'non-compliant'; }
      lines.push(`${node.node.path}: ${id} ${advisory ? 'advisory fail' : v.status}${v.detail ? ` (${v.detail})` : ''}`);
    }
  }
  return { side, lines };
}

/** Both verdicts on one case. */
function judge(c: PeerCase): { nag: Judgement; ours: Judgement } {
  const stack = newStack();
  c.build(stack);
  return { nag: nagJudgement(c, stack), ours: ourJudgement(c, stack) };
}

function describeCase(name: string, j: { nag: Judgement; ours: Judgement }): string {
  return [
    name,
    `  cdk-nag ${name.split(':')[0]}: ${j.nag.side}`,
    ...j.nag.lines.map(l => `    ${l}`),
    `  ours (${PEER_RULES[PEER_CASES.find(c => caseName(c) === name)!.peer].ours.join(' + ')}): ${j.ours.side}`,
    ...j.ours.lines.map(l => `    ${l}`),
  ].join('\n');
}

describe('cdk-nag differential', () => {
  test('case names are unique, and every listed difference names a case', () => {
    const names = PEER_CASES.map(caseName);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    expect(Object.keys(DIFFERENCES).filter(n => !names.includes(n))).toEqual([]);
  });

  test('the controls of our rules cite each cdk-nag rule where it maps, and nowhere else', () => {
    const cited = ALL_RULES.flatMap(rule => Object.keys(PEER_RULES)
      .filter(peer => rule.controls.some(control => control.includes(peer)))
      .map(peer => `${peer} -> ${rule.id}`));
    const mapped = Object.entries(PEER_RULES).flatMap(([peer, { ours }]) => ours.map(id => `${peer} -> ${id}`));
    expect(cited.sort()).toEqual(mapped.sort());
  });

  test.each(PEER_CASES.map(c => [caseName(c), c] as const))('%s', (name, c) => {
    const j = judge(c);
    const reason = DIFFERENCES[name];
    if (reason === undefined && j.nag.side !== j.ours.side) {
      throw new Error(`undocumented disagreement:\n${describeCase(name, j)}`);
    }
    if (reason !== undefined && j.nag.side === j.ours.side) {
      throw new Error(`listed as a difference ("${reason}") but both now say ${j.ours.side}: remove it from DIFFERENCES\n${describeCase(name, j)}`);
    }
  });
});
