export { DatasetNotFoundError } from './dataset-not-found-error';
export { MissingClassFolderError } from './missing-class-folder-error';
export { EmptyClassFolderError } from './empty-class-folder-error';
export { BadImageFileError } from './bad-image-file-error';
export { CountMismatchError } from './count-mismatch-error';
