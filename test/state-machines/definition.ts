import { createRequire } from 'node:module';
import type { Template } from 'aws-cdk-lib/assertions';
import type { ExecutionError } from 'aws-local-stepfunctions';

/** An ASL state: only the fields the tests read or rewrite are typed. */
export interface AslState {
  Type: string;
  Resource?: string;
  [field: string]: unknown;
}
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
}

/** The ARN a Lambda function's `Fn::GetAtt [id, Arn]` stands for in a definition taken from a template. */
export const lambdaArn = (logicalId: string) => `arn:aws:lambda:us-east-1:123456789012:function:${logicalId}`;

/**
 * The state machine's definition as the template holds it (a `Fn::Join` of strings and
 * references), rendered to a string with each Lambda function as `lambdaArn(logicalId)`.
 */
export function definitionOf(template: Template): AslDefinition {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const body = machines[0]!.Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  if (typeof body === 'string') return JSON.parse(body);
  const [delimiter, parts] = body['Fn::Join'];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = part as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
      if (ref['Fn::GetAtt']?.[1] === 'Arn') return lambdaArn(ref['Fn::GetAtt'][0]);
      if (ref.Ref === 'AWS::Partition') return 'aws';
      throw new Error(`unexpected reference in the definition: ${JSON.stringify(part)}`);
    })
    .join(delimiter);
  return JSON.parse(text);
}

const validateAsl = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: () => string };

/** What asl-validator finds wrong with a definition: '' for a valid Amazon States Language one. */
export function aslErrors(definition: unknown): string {
  const result = validateAsl(structuredClone(definition));
  return result.isValid ? '' : result.errorsText() || 'invalid';
}

/** How a local execution failed, or undefined when it succeeded. */
export const failureOf = (promise: Promise<unknown>): Promise<ExecutionError | undefined> =>
  promise.then(
    () => undefined,
    (err: unknown) => err as ExecutionError,
  );
