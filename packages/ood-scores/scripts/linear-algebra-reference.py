"""Reference values for src/linear-algebra/*.test.ts (run: /usr/bin/python3 scripts/linear-algebra-reference.py).

Data is a closed form so the TypeScript test rebuilds it exactly: x[i, j] = sin(1.3 i (j + 1) + 0.7 j) + 0.05 (j + 1) i.
"""
import numpy as np

np.set_printoptions(precision=17, floatmode='unique', linewidth=200)
n, d = 7, 4
x = np.array([[np.sin(1.3 * i * (j + 1) + 0.7 * j) + 0.05 * (j + 1) * i for j in range(d)] for i in range(n)])
mean = x.mean(axis=0)
cov = np.cov(x, rowvar=False)  # unbiased, n - 1
L = np.linalg.cholesky(cov)
inv = np.linalg.inv(cov)
w, v = np.linalg.eigh(cov)
q = np.array([0.3, -1.1, 0.7, 2.0])
maha = (q - mean) @ inv @ (q - mean)
print('mean', repr(mean.tolist()))
print('cov', repr(cov.ravel().tolist()))
print('chol', repr(L.ravel().tolist()))
print('inv', repr(inv.ravel().tolist()))
print('eigvals_desc', repr(w[::-1].tolist()))
print('maha', repr(float(maha)))
