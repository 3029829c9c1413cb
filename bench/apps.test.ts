import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Aspects } from 'aws-cdk-lib';
import { buildApp, Piece, PIECES, Variant } from './apps';

/**
 * docs/BENCHMARKS.md compares SecureBucket with "the hand-written app writing SecureBucket's template"
 * to separate the cost of the library from the cost of its content: that only holds while the two
 * write the same resources.
 */
describe('benchmark apps', () => {
  /** The first stack's resources, logical ids without their hash, metadata left out. */
  function resources(variant: Variant): Record<string, any> {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-apps-'));
    try {
      const template = buildApp(variant, 2, { outdir, validation: false }).synth().getStackByName('Bench0').template;
      let json = JSON.stringify(template.Resources);
      for (const id of Object.keys(template.Resources)) {
        // The hand-written log bucket is `AccessLogs`; SecureBucket's shared one `SecureBucketAccessLogs`.
        json = json.split(id).join(id.replace(/[0-9A-F]{8}$/, '').replace(/^SecureBucketAccessLogs/, 'AccessLogs'));
      }
      const normalized = JSON.parse(json);
      for (const resource of Object.values<any>(normalized)) { delete resource.Metadata; }
      return normalized;
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }

  test('the hand-written SecureBucket template variant writes the same resources as SecureBucket', () => {
    expect(resources('hand-full')).toEqual(resources('secure'));
  });

  test('the Aspect variants write SecureBucket\'s templates, and only secure+aspect writes the report', () => {
    const run = (variant: Variant) => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-apps-'));
      try {
        const app = buildApp(variant, 2, { outdir, validation: false });
        const aspects = Aspects.of(app).all.length;
        const assembly = app.synth();
        return {
          aspects,
          report: fs.existsSync(path.join(outdir, 'secure-bucket-report.json')),
          template: assembly.getStackByName('Bench0').template,
        };
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    };
    const plain = run('secure');
    expect(plain).toMatchObject({ aspects: 0, report: false });
    expect(run('secure+aspect')).toEqual({ aspects: 1, report: true, template: plain.template });
    expect(run('secure+aspect-no-report')).toEqual({ aspects: 1, report: false, template: plain.template });
    expect(run('secure+noop-aspect')).toEqual({ aspects: 1, report: false, template: plain.template });
  });

  test('each hand+PIECE variant writes its piece and no other', () => {
    /** Whether a template has each piece, read from what the piece writes. */
    const pieces = (r: Record<string, any>): Record<Piece, boolean> => {
      const all = Object.values<any>(r);
      const typed = (type: string) => all.filter(x => x.Type === type);
      const sids = [...typed('AWS::S3::BucketPolicy'), ...typed('AWS::KMS::Key')]
        .flatMap(p => (p.Properties.PolicyDocument ?? p.Properties.KeyPolicy).Statement.map((s: any) => s.Sid));
      const buckets = typed('AWS::S3::Bucket').map(b => b.Properties);
      return {
        'denies': sids.includes('DenyEncryptionWithoutThisKey') && sids.includes('DenyKeyIdWithOtherEncryption'),
        'key-statement': sids.includes('DenyGrantsExceptForAwsServices'),
        'sse-c': buckets.some(b => b.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.BlockedEncryptionTypes !== undefined),
        'eventbridge': buckets.some(b => b.NotificationConfiguration?.EventBridgeConfiguration?.EventBridgeEnabled === true),
        'log-statement': sids.includes('S3ServerAccessLogsPolicy') && buckets.some(b => b.LoggingConfiguration?.TargetObjectKeyFormat !== undefined),
      };
    };
    const none = Object.fromEntries(PIECES.map(p => [p, false]));
    expect(pieces(resources('hand'))).toEqual(none);
    expect(pieces(resources('hand-full'))).toEqual(Object.fromEntries(PIECES.map(p => [p, true])));
    for (const piece of PIECES) {
      expect({ piece, has: pieces(resources(`hand+${piece}`)) }).toEqual({ piece, has: { ...none, [piece]: true } });
    }
  });

  test('the brief\'s hand-written variant writes less: it has no encryption Denies', () => {
    const policies = (r: Record<string, any>) => Object.values<any>(r).filter(x => x.Type === 'AWS::S3::BucketPolicy')
      .flatMap(p => p.Properties.PolicyDocument.Statement.map((s: any) => s.Sid)).filter(Boolean);
    expect(policies(resources('secure'))).toContain('DenyEncryptionWithoutThisKey');
    expect(policies(resources('hand'))).not.toContain('DenyEncryptionWithoutThisKey');
  });
});
