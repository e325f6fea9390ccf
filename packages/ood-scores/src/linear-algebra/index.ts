export { RunningMoments } from './running-moments';
export { cholesky, tryCholesky } from './cholesky';
export { choleskyWithRidge, type RidgeOptions, type RidgedCholesky } from './cholesky-with-ridge';
export { solveLower, solveUpper, solveCholesky, transpose } from './triangular-solve';
export { inverseSpd, inverseFromCholesky, inverseLower } from './inverse';
export { symmetricEigen, type SymmetricEigen } from './symmetric-eigen';
