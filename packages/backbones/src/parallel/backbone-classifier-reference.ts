import type { BackboneClassifierProgramOptions } from './backbone-classifier-program';
import { siblingModule } from './sibling-module';
import type { ProgramReference } from './training-program';

/**
 * The `program` to pass to `createDataParallelStep` to train a registry backbone as a classifier
 * (softmax cross-entropy on its logits), e.g.
 * `backboneClassifierProgram({ backbone: 'small-resnet', backboneOptions: { numClasses: 10, inputChannels: 1 } })`.
 */
export function backboneClassifierProgram(
  options: BackboneClassifierProgramOptions,
): ProgramReference<BackboneClassifierProgramOptions> {
  return {
    moduleUrl: siblingModule(import.meta.url, 'backbone-classifier-program').url.href,
    exportName: 'createBackboneClassifierProgram',
    options,
  };
}
