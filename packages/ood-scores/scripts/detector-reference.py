"""Reference scores for src/detectors/feature-detectors.test.ts (run: /usr/bin/python3 scripts/detector-reference.py).

Independent NumPy re-implementations following the papers / OpenOOD postprocessors (mds, rmds, vim, react).
Data is a closed form the TypeScript test rebuilds exactly.
"""
import numpy as np


def lse(z):
    m = z.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))[:, 0]


def data(n, d, classes):
    x = np.array([[np.sin(0.9 * i * (j + 1) + 0.3 * j) + (2.0 if j == (i % classes) else 0.0) for j in range(d)] for i in range(n)])
    y = np.array([i % classes for i in range(n)])
    return x.astype(np.float32).astype(np.float64), y


def queries(d):
    return np.array([[np.cos(0.5 * r + 0.8 * j) * 1.5 for j in range(d)] for r in range(3)]).astype(np.float32).astype(np.float64)


n, d, C = 12, 4, 3
x, y = data(n, d, C)
q = queries(d)
means = np.stack([x[y == c].mean(0) for c in range(C)])
centered = np.concatenate([x[y == c] - means[c] for c in range(C)])
tied = centered.T @ centered / n  # sklearn EmpiricalCovariance on centred data (OpenOOD mds)
prec = np.linalg.inv(tied)
md = np.stack([((q - m) @ prec * (q - m)).sum(-1) for m in means], 1)
print('mahalanobis', repr((-md.min(1)).tolist()))
g_mean = x.mean(0)
g_cov = (x - g_mean).T @ (x - g_mean) / n
md0 = ((q - g_mean) @ np.linalg.inv(g_cov) * (q - g_mean)).sum(-1)
print('relative_mahalanobis', repr((-(md - md0[:, None]).min(1)).tolist()))

W = np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.5], [-0.4, 0.2, 0.9], [0.1, 0.1, 0.1]], dtype=np.float32).astype(np.float64)  # [d, C]
b = np.array([0.1, -0.3, 0.2], dtype=np.float32).astype(np.float64)
c = np.percentile(x.ravel(), 90)
print('react_threshold', repr(float(c)))
print('react', repr(lse(np.minimum(q, c) @ W + b).tolist()))


def vim(x, q, W, b, D):
    u = -np.linalg.pinv(W.T) @ b
    cov = (x - u).T @ (x - u) / len(x)
    w, v = np.linalg.eigh(cov)
    order = np.argsort(-w)
    NS = v[:, order[D:]]
    train_logits = x @ W + b
    alpha = train_logits.max(-1).mean() / np.linalg.norm((x - u) @ NS, axis=-1).mean()
    return alpha, lse(q @ W + b) - alpha * np.linalg.norm((q - u) @ NS, axis=-1), u


alpha, s, u = vim(x, q, W, b, 2)
print('vim_alpha', repr(float(alpha)))
print('vim', repr(s.tolist()))
# d < C branch of the origin: d = 3, C = 4
x3, _ = data(10, 3, 2)
q3 = queries(3)
W3 = np.array([[0.5, -0.2, 0.1, 0.7], [0.3, 0.8, -0.5, 0.2], [-0.4, 0.2, 0.9, -0.6]], dtype=np.float32).astype(np.float64)
b3 = np.array([0.1, -0.3, 0.2, 0.4], dtype=np.float32).astype(np.float64)
alpha3, s3, u3 = vim(x3, q3, W3, b3, 1)
print('vim_wide_alpha', repr(float(alpha3)))
print('vim_wide', repr(s3.tolist()))
