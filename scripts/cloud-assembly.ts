/**
 * Reads the stack templates of a synthesized cloud assembly (nested assemblies of Stages included),
 * with each stack's construct metadata. Used by scripts/check-assembly.ts.
 */
import * as fs from 'fs';
import * as path from 'path';

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
