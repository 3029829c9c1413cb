/**
 * Reads the stack templates of a synthesized cloud assembly (nested assemblies of Stages included, and
 * the templates of NestedStacks), with each stack's construct metadata.
 */
import * as fs from 'fs';
import * as path from 'path';
import { StackMetadata } from './acknowledgements';
import { UsageError } from './findings';

/** The parts of a CloudFormation template these scripts read. */
export type Template = { Resources?: Record<string, { Type: string; Properties?: any; DeletionPolicy?: string }> };

/** A metadata entry of a stack artifact, keyed by construct path in the cloud assembly. */
export interface AssemblyMetadataEntry {
  readonly type: string;
  readonly data?: any;
}

/** One stack template of a cloud assembly, with where it came from. */
export interface AssemblyTemplate {
  /** The stack's display name, e.g. 'MyStack' or 'MyStage/MyStack'. */
  readonly stack: string;
  readonly template: Template;
  /** The artifact id in the (nested) manifest. */
  readonly artifactId: string;
  /** Absolute path of the template file. */
  readonly templateFile: string;
  /** The stack's region, when the app set a concrete one. */
  readonly region?: string;
  /** Construct metadata of the stack: inline in the manifest, or in its `additionalMetadataFile`. */
  readonly metadata: Record<string, AssemblyMetadataEntry[]>;
}

/** Reads every template of a cloud assembly (and of nested assemblies such as Stages). */
export function readTemplates(assemblyDir: string): AssemblyTemplate[] {
  const manifestPath = path.join(assemblyDir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) {
    throw new Error(`No cloud assembly at ${assemblyDir}: manifest.json is missing. Synthesize the app first (cdk synth, or npx projen example).`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const result: AssemblyTemplate[] = [];
  for (const [name, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack') {
      const file = path.resolve(assemblyDir, artifact.properties.templateFile);
      const metadata: Record<string, AssemblyMetadataEntry[]> = { ...(artifact.metadata ?? {}) };
      if (artifact.additionalMetadataFile) {
        const extra = JSON.parse(fs.readFileSync(path.join(assemblyDir, artifact.additionalMetadataFile), 'utf8'));
        for (const [p, entries] of Object.entries<AssemblyMetadataEntry[]>(extra)) {
          metadata[p] = [...(metadata[p] ?? []), ...entries];
        }
      }
      const region = /^aws:\/\/[^/]*\/(.+)$/.exec(artifact.environment ?? '')?.[1];
      result.push({
        stack: artifact.displayName ?? name,
        template: JSON.parse(fs.readFileSync(file, 'utf8')),
        artifactId: name,
        templateFile: file,
        region: region && region !== 'unknown-region' ? region : undefined,
        metadata,
      });
    } else if (artifact.type === 'cdk:cloud-assembly') {
      result.push(...readTemplates(path.join(assemblyDir, artifact.properties.directoryName)));
    }
  }
  return result;
}

export interface LoadedStack extends AssemblyTemplate {
  readonly meta: StackMetadata;
  /** For a NestedStack's template: the display name of the top-level stack it is deployed with. */
  readonly nestedIn?: string;
}

/** The type of a resource of a loaded template. */
export function resourceTypeOf(s: LoadedStack, logicalId: string): string | undefined {
  return s.template.Resources?.[logicalId]?.Type;
}

/** Where CDK records a (nested) stack's template file in the stack's metadata. */
const TEMPLATE_FILE = 'aws:cdk:templateFile';

/**
 * The templates of a stack artifact's NestedStacks. CDK records each (nested) stack's template file
 * as `aws:cdk:templateFile` metadata on the stack construct; a NestedStack's file sits beside its
 * parent's (`<ParentNestedXXXX>.nested.template.json`) and its resources' metadata is the parent's.
 */
export function nestedTemplates(parent: AssemblyTemplate): { path: string; file: string }[] {
  const own = path.basename(parent.templateFile);
  const out: { path: string; file: string }[] = [];
  for (const [rawPath, entries] of Object.entries(parent.metadata)) {
    for (const entry of entries) {
      if (entry.type !== TEMPLATE_FILE || typeof entry.data !== 'string' || entry.data === own) continue;
      out.push({ path: rawPath.replace(/^\//, ''), file: path.join(path.dirname(parent.templateFile), entry.data) });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** The stack's own construct path: where its own template file is recorded (undefined when not recorded). */
function stackPath(t: AssemblyTemplate): string | undefined {
  const own = path.basename(t.templateFile);
  const found = Object.entries(t.metadata).find(([, entries]) => entries.some(e => e.type === TEMPLATE_FILE && e.data === own));
  return found?.[0].replace(/^\//, '');
}

/** A stack and its nested stacks, each a template with the part of the stack's metadata it holds. */
function withNestedStacks(t: AssemblyTemplate): LoadedStack[] {
  const nested = nestedTemplates(t);
  const roots = nested.map(n => n.path);
  const used = new Set<string>();
  const below = (root: string) => roots.filter(r => r !== root && (root === '' || r.startsWith(`${root}/`)));
  const top: LoadedStack = { ...t, meta: new StackMetadata(t.metadata, { root: stackPath(t) ?? '', nestedRoots: roots }, used) };
  return [top, ...nested.map(n => {
    if (!fs.existsSync(n.file)) {
      throw new UsageError(`The nested stack ${n.path} of ${t.stack} has no template in the cloud assembly (${n.file} is missing). Synthesize the app again.`);
    }
    let template: AssemblyTemplate['template'];
    try {
      template = JSON.parse(fs.readFileSync(n.file, 'utf8'));
    } catch (e) {
      throw new UsageError(`Cannot read the template of nested stack ${n.path} (${n.file}): ${(e as Error).message}`);
    }
    return {
      stack: n.path,
      template,
      artifactId: t.artifactId,
      templateFile: n.file,
      region: t.region,
      metadata: t.metadata,
      nestedIn: t.stack,
      meta: new StackMetadata(t.metadata, { root: n.path, nestedRoots: below(n.path) }, used),
    };
  })];
}

/** Reads the assembly's stack templates, with clear errors for a missing or empty assembly. */
export function loadAssembly(assemblyDir: string): LoadedStack[] {
  if (!fs.existsSync(assemblyDir) || !fs.statSync(assemblyDir).isDirectory()) {
    throw new UsageError(`Cloud assembly directory not found: ${assemblyDir}. Synthesize your app first (cdk synth writes cdk.out; npx projen example writes examples/cdk.out).`);
  }
  if (!fs.existsSync(path.join(assemblyDir, 'manifest.json'))) {
    const hint = fs.existsSync(path.join(assemblyDir, 'cdk.out', 'manifest.json')) ? ` Did you mean ${path.join(assemblyDir, 'cdk.out')}?` : ' Synthesize your app first (cdk synth).';
    throw new UsageError(`${assemblyDir} is not a cloud assembly: it has no manifest.json.${hint}`);
  }
  let templates: AssemblyTemplate[];
  try {
    templates = readTemplates(assemblyDir);
  } catch (e) {
    throw new UsageError(`Cannot read the cloud assembly ${assemblyDir}: ${(e as Error).message}`);
  }
  if (templates.length === 0) {
    throw new UsageError(`The cloud assembly ${assemblyDir} holds no stack templates: nothing to check. Does the app define a Stack?`);
  }
  return templates.flatMap(withNestedStacks);
}
