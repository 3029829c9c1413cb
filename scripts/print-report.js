#!/usr/bin/env node
// Prints what a synthesized app holds (stacks and templates) and the secure-bucket report that
// SecureBucketAspect wrote into its cloud assembly.
//
//   node scripts/print-report.js <cloud-assembly-dir>
const fs = require('fs');
const path = require('path');

const dir = process.argv[2] ?? 'cdk.out';
const manifestPath = path.join(dir, 'manifest.json');
if (!fs.existsSync(manifestPath)) {
  console.error(`No cloud assembly at ${dir}: manifest.json is missing. Synthesize the app first.`);
  process.exit(2);
}
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const stacks = Object.entries(manifest.artifacts ?? {}).filter(([, a]) => a.type === 'aws:cloudformation:stack');
console.log(`Cloud assembly ${dir}: ${stacks.length} stack(s)`);
for (const [name, artifact] of stacks) {
  const template = JSON.parse(fs.readFileSync(path.join(dir, artifact.properties.templateFile), 'utf8'));
  const types = Object.values(template.Resources ?? {}).map(r => r.Type);
  const count = t => types.filter(x => x === t).length;
  console.log(`  ${name}: ${types.length} resources (${count('AWS::S3::Bucket')} buckets, ${count('AWS::KMS::Key')} keys, ${count('AWS::S3::BucketPolicy')} bucket policies)`);
}
const report = path.join(dir, 'secure-bucket-report.md');
if (!fs.existsSync(report)) {
  console.error(`\nNo secure-bucket-report.md in ${dir}: add SecureBucketAspect.applyTo(app) to the app.`);
  process.exit(2);
}
console.log('');
process.stdout.write(fs.readFileSync(report, 'utf8'));
