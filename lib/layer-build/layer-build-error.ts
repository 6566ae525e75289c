/** The one error the layer builder throws for what a user can fix. */
/** A build that cannot go on: one paragraph that names the layer, what went wrong and what to do. */
export class LayerBuildError extends Error {
  constructor(
    readonly layer: string,
    message: string,
  ) {
    super(`Layer "${layer}": ${message}`);
    this.name = 'LayerBuildError';
  }
}
