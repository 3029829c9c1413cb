/**
 * Prints RULES.md, generated from the rule registry (src/rules/registry.ts).
 *
 *   npx ts-node --project scripts/tsconfig.json scripts/rules-md.ts > RULES.md
 *
 * test/tooling/rules-md.test.ts fails when the committed RULES.md differs from this output.
 */
import { ALL_RULES } from '../src/rules/registry';

export const RULES_MD_COMMAND = 'npx ts-node --project scripts/tsconfig.json scripts/rules-md.ts > RULES.md';

type AnyRule = (typeof ALL_RULES)[number];

/** What a rule judges, in words. */
function appliesTo(rule: AnyRule): string {
  if (rule.target === 'identity-policy') {
    return 'identity policy';
  }
  const buckets = { data: 'data bucket', log: 'log bucket', any: 'any bucket' }[rule.appliesTo];
  return rule.target === 'key' ? `KMS key of a ${buckets}` : buckets;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** RULES.md, as committed. */
export function renderRulesMd(): string {
  const lines: string[] = [
    '# Rules',
    '',
    `<!-- Generated from the rule registry (src/rules/registry.ts) by \`${RULES_MD_COMMAND}\`. Do not edit. -->`,
    '',
    'The rules that `SecureBucketAspect` (and the cdk-nag pack `SecureBucketChecks`) apply to every bucket, every KMS key that encrypts',
    'a bucket, and every IAM identity policy of an app, whichever construct created them. Each rule is a pure function over the',
    'CloudFormation of one L1 resource and the resources of its stack that concern it. Rule ids are stable and never reused.',
    '',
    '- **Applies to**: a *data bucket* is any bucket that is not a log bucket; a *log bucket* is the server access log target',
    '  of another bucket (named in its `LoggingConfiguration`, or granting `logging.s3.amazonaws.com` delivery in its policy).',
    '  An *identity policy* is an `AWS::IAM::Policy`, an `AWS::IAM::ManagedPolicy`, or the inline and managed policies of an',
    '  `AWS::IAM::Role`, `User` or `Group`.',
    '- **Findings**: a rule *fails*, or *cannot verify* when a value it needs is not known at synth (a parameter, an import, a',
    '  resource of another stack). "Cannot verify" is a finding, never a pass.',
    '- **Acknowledging**: `Validations.of(resource).acknowledge({ id: \'SB-S3-11\', reason: \'...\' })` on the resource the finding',
    '  is reported on (the bucket, its key, or the identity policy) or on any ancestor. A reason is required.',
    '- **Reads**: the CloudFormation properties and resources the rule\'s check reads (which buckets it applies to is decided as',
    '  above).',
    '- **Controls**: the Security Hub, CIS AWS Foundations Benchmark, AWS Control Tower and cdk-nag controls the rule corresponds',
    '  to. "(in part: ...)" says where a control judges differently; "(related)" marks a control that checks a wider or',
    '  neighbouring condition. test/rules/peer-differential.test.ts compares the rules with cdk-nag\'s S3 and IAM rules on the',
    '  scenarios of cdk-nag\'s own tests, and lists every difference with its reason.',
    '',
    '| id | applies to | cause | controls |',
    '|---|---|---|---|',
    ...ALL_RULES.map(r => `| [${r.id}](#${r.id.toLowerCase()}) | ${appliesTo(r)} | ${cell(r.cause)} | ${cell(r.controls.join('; '))} |`),
    '',
  ];
  for (const rule of ALL_RULES) {
    lines.push(
      `## ${rule.id}`,
      '',
      rule.cause,
      '',
      `- **Applies to**: ${appliesTo(rule)}`,
      `- **Reads**: ${rule.reads}`,
      `- **Controls**: ${rule.controls.join('; ')}`,
      '',
      rule.explanation,
      '',
    );
  }
  return lines.join('\n');
}

if (require.main === module) {
  process.stdout.write(renderRulesMd());
}
