import * as fs from 'fs';
import * as path from 'path';
import { renderRulesMd, RULES_MD_COMMAND } from '../../scripts/rules-md';
import { ALL_RULES } from '../../src/rules/registry';

const RULES_MD = path.join(__dirname, '..', '..', 'RULES.md');

describe('RULES.md', () => {
  test('is the one generated from the rule registry', () => {
    const committed = fs.existsSync(RULES_MD) ? fs.readFileSync(RULES_MD, 'utf8') : '';
    if (committed !== renderRulesMd()) {
      throw new Error(`RULES.md is out of date with the rule registry: run \`${RULES_MD_COMMAND}\` and commit RULES.md.`);
    }
  });

  test('lists every rule with its cause, what it applies to and its controls', () => {
    const md = renderRulesMd();
    for (const rule of ALL_RULES) {
      expect(md).toContain(`## ${rule.id}\n\n${rule.cause}\n`);
      expect(md).toContain(rule.explanation);
      expect(md).toContain(`- **Controls**: ${rule.controls.join('; ')}`);
    }
    expect(md).toMatch(/\| \[SB-S3-16\]\(#sb-s3-16\) \| log bucket \|/);
    expect(md).toMatch(/\| \[SB-KMS-1\]\(#sb-kms-1\) \| KMS key of a data bucket \|/);
    expect(md).toMatch(/\| \[SB-IAM-1\]\(#sb-iam-1\) \| identity policy \|/);
  });

  test('rule ids are unique, and every rule names at least one control', () => {
    expect(new Set(ALL_RULES.map(r => r.id)).size).toBe(ALL_RULES.length);
    for (const rule of ALL_RULES) {
      expect(rule.id).toMatch(/^SB-(S3|KMS|IAM)-\d+$/);
      expect(rule.controls.length).toBeGreaterThan(0);
    }
  });
});
