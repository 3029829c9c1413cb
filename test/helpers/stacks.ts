/**
 * Apps and stacks for the tests: one way to make them, with options for what differs (the stack's id,
 * its environment, the app's context), so that each test says what its templates depend on.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AppProps, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** The account of the tests' environment (and of an environment-agnostic stack, in the policy evaluator). */
export const ACCOUNT = '111111111111';
/** An account that is not the bucket's. */
export const OTHER_ACCOUNT = '222222222222';
export const REGION = 'us-east-1';
/** The tests' fixed environment. */
export const ENV = { account: ACCOUNT, region: REGION };

/** App props, and where to write the cloud assembly. */
export interface TestAppProps extends AppProps {
  /**
   * Write the cloud assembly into a fresh temporary directory whose name starts with this prefix.
   *
   * @default - the directory aws-cdk-lib chooses (a temporary one, or $CDK_OUTDIR)
   */
  readonly outdirPrefix?: string;
}

/** An app without the (slow) built-in CloudFormation validation, unless `props` switch it on. */
export function newApp(props: TestAppProps = {}): App {
  const { outdirPrefix, ...appProps } = props;
  return new App({
    builtinCloudFormationValidation: false,
    ...(outdirPrefix === undefined ? {} : { outdir: fs.mkdtempSync(path.join(os.tmpdir(), outdirPrefix)) }),
    ...appProps,
  });
}

/** A stack, where it is created, and the app to create when it is not given a scope. */
export interface NewStackOptions extends StackProps {
  /** @default 'Stack' */
  readonly id?: string;
  /**
   * The App or Stage the stack is created in.
   *
   * @default - a new app, `newApp(app)`
   */
  readonly scope?: Construct;
  /** Props of the new app (without `scope`). */
  readonly app?: TestAppProps;
}

/**
 * A stack in its own app (see `newApp`), environment-agnostic unless `env` is given
 * (`newStack({ env: ENV })`).
 */
export function newStack(options: NewStackOptions = {}): Stack {
  const { id = 'Stack', scope, app, ...props } = options;
  if (scope && app) {
    throw new Error('newStack: give either a scope or the props of a new app, not both');
  }
  return new Stack(scope ?? newApp(app), id, props);
}

/** The app a stack (or any construct) belongs to. */
export function appOf(construct: Construct): App {
  const root = construct.node.root;
  if (!App.isApp(root)) {
    throw new Error(`${construct.node.path} is not in an App`);
  }
  return root;
}
