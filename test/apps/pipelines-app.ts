import { App, AppProps, Stack, StackProps, Stage, StageProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CodePipeline, CodePipelineSource, ShellStep } from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { SecureBucket } from '../../src';

/*
 * An app laid out as CDK Pipelines asks: a pipeline stack that creates one Stage per environment
 * inside itself (`pipeline.addStage(new AppStage(this, 'Dev'))`), each Stage holding the
 * application's stacks. CDK Pipelines synthesizes a Stage when it is added to the pipeline.
 */

export const ENV = { account: '111111111111', region: 'us-east-1' };

export interface AppStageProps extends StageProps {
  /** Called in the Stage's constructor, after its stacks: where a team applies Aspects and Mixins to the Stage. */
  readonly configure?: (stage: Stage) => void;
}

/** The application: a data stack with a SecureBucket and a plain bucket of another construct. */
export class AppStage extends Stage {
  public readonly data: Stack;
  constructor(scope: Construct, id: string, props: AppStageProps = {}) {
    super(scope, id, props);
    this.data = new Stack(this, 'Data', { env: props.env });
    new SecureBucket(this.data, 'Secure');
    new s3.Bucket(this.data, 'Plain', { versioned: true });
    props.configure?.(this);
  }
}

export interface PipelineStackProps extends StackProps {
  readonly stages?: string[];
  readonly configureStage?: (stage: Stage) => void;
}

/** The pipeline stack: CodePipeline (with its own artifacts bucket) and one Stage per environment inside it. */
export class PipelineStack extends Stack {
  public readonly stages: AppStage[] = [];
  public readonly pipeline: CodePipeline;
  constructor(scope: Construct, id: string, props: PipelineStackProps = {}) {
    super(scope, id, { env: ENV, ...props });
    const pipeline = this.pipeline = new CodePipeline(this, 'Pipeline', {
      synth: new ShellStep('Synth', {
        input: CodePipelineSource.gitHub('example-org/example-app', 'main'),
        commands: ['npm ci', 'npx cdk synth'],
      }),
    });
    for (const name of props.stages ?? ['Dev', 'Prod']) {
      const stage = new AppStage(this, name, { env: ENV, configure: props.configureStage });
      this.stages.push(stage);
      pipeline.addStage(stage);
    }
  }
}

/** A CDK Pipelines app: `new PipelineStack(app, 'Pipeline')`; `configureApp` runs before the pipeline is built. */
export function pipelinesApp(options: { appProps?: AppProps; configureApp?: (app: App) => void; configureStage?: (stage: Stage) => void } = {}) {
  const app = new App({ builtinCloudFormationValidation: false, ...options.appProps });
  options.configureApp?.(app);
  const pipeline = new PipelineStack(app, 'Pipeline', { configureStage: options.configureStage });
  return { app, pipeline };
}
