import { CfnResource } from 'aws-cdk-lib';
import { RenderedFragment } from '../rules/engine/context';

/**
 * Hands the resources rendered for the rules over to CDK's template synthesis, which runs right after
 * validation and would otherwise render and resolve each of them a second time: that second rendering
 * would be most of the Aspect's cost (docs/BENCHMARKS.md).
 *
 * The stack renders a resource into its template through the resource's `_toCloudFormation` (the
 * internal method `renderResource` already relies on) and resolves the result. The hand-off shadows
 * that method on the resource, once, with a function that returns the fragment rendered for the rules,
 * already resolved (resolving it again is the identity). Rules run at validation, after Aspects and
 * `prepare`, when the tree is final, so the fragment is what the stack would render.
 *
 * A hand-off is withdrawn (the method restored) when synthesis uses it, when the Aspect is invoked
 * again (the next synthesis of the app: the tree may have changed), and at the latest when the current
 * JavaScript job ends (`AppRun.releaseAtJobEnd`), so a stale rendering is never written. A resource that
 * already has its own `_toCloudFormation` on the instance is left alone.
 */
export class RenderingHandOff {
  private readonly pending = new Set<CfnResource>();

  public readonly offer = (resource: CfnResource, fragment: RenderedFragment): void => {
    const target = resource as unknown as { _toCloudFormation: () => object };
    if (Object.prototype.hasOwnProperty.call(target, '_toCloudFormation')) { return; }
    target._toCloudFormation = () => {
      this.withdraw(resource);
      return fragment;
    };
    this.pending.add(resource);
  };

  public withdrawAll(): void {
    for (const resource of [...this.pending]) { this.withdraw(resource); }
  }

  private withdraw(resource: CfnResource): void {
    if (!this.pending.delete(resource)) { return; }
    delete (resource as unknown as { _toCloudFormation?: unknown })._toCloudFormation;
  }
}
