import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The finding id cdk-nag gives a wildcard resource of an IAM policy (`AwsSolutions-IAM5[Resource::...]`),
 * so that exactly that resource can be acknowledged, not every wildcard of the policy. CloudFormation
 * references are flattened as cdk-nag 3 does it: `Ref` to `<Name>`, `Fn::GetAtt` to `<Resource.Attribute>`,
 * `Fn::Join` joined.
 */
export function iam5ResourceFindingId(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`;
}

function flatten(node: any): string {
  if (node === undefined) { return ''; }
  if (typeof node === 'string') { return node.replace(/\${/g, '<').replace(/}/g, '>'); }
  if (node && Array.isArray(node['Fn::Join'])) {
    const [delimiter, items] = node['Fn::Join'];
    return (items as any[]).map(flatten).join(delimiter);
  }
  if (node && node['Fn::Sub'] !== undefined) { return flatten(node['Fn::Sub']); }
  if (node && Array.isArray(node['Fn::GetAtt'])) {
    const [resource, attribute] = node['Fn::GetAtt'];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (node && node.Ref !== undefined) { return `<${flatten(node.Ref)}>`; }
  return JSON.stringify(node);
}
