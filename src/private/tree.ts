import { Stack, Stage } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The constructs whose Stack is `stack`, in the order of `stack.node.findAll()`: its descendants,
 * without descending into a Stack (a nested stack, which has its own template) or a Stage (whose
 * stacks are synthesized apart).
 *
 * Walking `stack.node.findAll()` and asking `Stack.of` of each construct fails on a CDK Pipelines
 * app: it creates a Stage inside a Stack, and `Stack.of` throws on that Stage ("should be created in
 * the scope of a Stack, but no Stack found").
 */
export function constructsOfStack(stack: Stack): IConstruct[] {
  const found: IConstruct[] = [];
  const visit = (construct: IConstruct) => {
    found.push(construct);
    for (const child of construct.node.children) {
      if (!Stack.isStack(child) && !Stage.isStage(child)) { visit(child); }
    }
  };
  visit(stack);
  return found;
}

/** The Stack of a construct, or undefined for a construct outside every Stack (an App, a Stage, a construct directly under either). */
export function stackOf(construct: IConstruct): Stack | undefined {
  for (let c: IConstruct | undefined = construct; c !== undefined; c = c.node.scope) {
    if (Stack.isStack(c)) { return c; }
    if (Stage.isStage(c)) { return undefined; }
  }
  return undefined;
}
