#!/usr/bin/env node
// Counts the test cases of every JUnit report in a folder (jest, pytest) and the build steps
// recorded by test-all.sh, prints what failed, and closes with "N passed, N failed".
// Exits non-zero when anything failed or nothing ran.
const fs = require('fs');
const path = require('path');

const dir = process.argv[2] ?? 'test-reports';
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
  if (!file.endsWith('.xml')) continue;
  const xml = fs.readFileSync(path.join(dir, file), 'utf8');
  const cases = xml.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) ?? [];
  for (const c of cases) {
    const name = (c.match(/\bname="([^"]*)"/) ?? [])[1] ?? '?';
    const suite = (c.match(/\bclassname="([^"]*)"/) ?? [])[1] ?? file;
    if (/<(failure|error)\b/.test(c)) {
      failed++;
      failures.push(`${suite} > ${name}`);
    } else if (/<skipped\b/.test(c)) {
      skipped++;
    } else {
      passed++;
    }
  }
}

const steps = path.join(dir, 'steps.tsv');
if (fs.existsSync(steps)) {
  for (const line of fs.readFileSync(steps, 'utf8').split('\n').filter(Boolean)) {
    const [name, result, seconds] = line.split('\t');
    console.log(`step: ${result.padEnd(6)} ${String(seconds).padStart(4)}s  ${name}`);
    if (result === 'passed') {
      passed++;
    } else {
      failed++;
      failures.push(`step: ${name}`);
    }
  }
}

if (failures.length > 0) {
  console.log(`\nFailed (${failures.length}):`);
  for (const f of failures) console.log(`  - ${f}`);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
