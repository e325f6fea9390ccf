import { CorruptFileError } from '@hvcm/metrics';

/** An images file and its labels file hold different numbers of samples. `path` is the labels file. */
export class CountMismatchError extends CorruptFileError {
  readonly imageCount: number;
  readonly labelCount: number;

  constructor(imagesPath: string, labelsPath: string, imageCount: number, labelCount: number) {
    super(
      labelsPath,
      `expected as many labels as images in ${imagesPath} (${imageCount}), found ${labelCount}. ` +
        'Check that the two files belong to the same split.',
    );
    this.name = 'CountMismatchError';
    this.imageCount = imageCount;
    this.labelCount = labelCount;
  }
}
