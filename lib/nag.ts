import { Stack, Validations } from 'aws-cdk-lib';
import type { Policy } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for each wildcard resource, which nag names
 * after the resource's CloudFormation form flattened (`<Logical.Arn>/prefix/*`): computing that
 * name here keeps the acknowledgement exact, so any other wildcard still fails the synth.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: readonly string[], reason: string): void {
  const stack = Stack.of(scope);
  for (const resource of resources) {
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flatten(stack.resolve(resource))}]`, reason });
  }
}

/** The wildcard resources of a policy that CDK wrote (e.g. a grant), to acknowledge them as they are. */
export function wildcardResources(policy: Policy): string[] {
  const statements: { Resource: unknown }[] = policy.document.toJSON()?.Statement ?? [];
  return statements.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource])).filter((r) => JSON.stringify(Stack.of(policy).resolve(r)).includes('*'));
}

/** cdk-nag's own flattening: references become `<Id.Attr>` or `<Id>`, other intrinsics their JSON. */
function flatten(node: unknown): string {
  if (typeof node === 'string') return node;
  const value = node as Record<string, unknown>;
  if ('Fn::Join' in value) {
    const [delimiter, parts] = value['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(delimiter);
  }
  if ('Fn::GetAtt' in value) {
    const [id, attribute] = value['Fn::GetAtt'] as [string, string];
    return `<${id}.${attribute}>`;
  }
  if ('Ref' in value) return `<${value.Ref as string}>`;
  return JSON.stringify(node);
}
