"""Batch norm over the whole batch of every rank (SyncBatchNorm) on sliced weights.

The engine's own data-parallel step normalises the same way (model/batchNorm.ts): the sums
go across ranks forward and backward, and the weights' gradients stay each rank's part.
"""

import torch
import torch.distributed as dist


class _SyncBN(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, gamma, beta, eps, relu6):
        n, c, h, w = x.shape
        count = torch.tensor([float(n * h * w)], dtype=x.dtype, device=x.device)
        s = torch.cat([x.sum((0, 2, 3)), count])
        dist.all_reduce(s)
        rows = s[-1]
        mean = s[:c] / rows
        xc = x - mean.view(1, c, 1, 1)
        sq = xc.square().sum((0, 2, 3))
        dist.all_reduce(sq)
        rstd = torch.rsqrt(sq / rows + eps)
        xhat = xc * rstd.view(1, c, 1, 1)
        z = xhat * gamma.view(1, c, 1, 1) + beta.view(1, c, 1, 1)
        y = z.clamp(0.0, 6.0) if relu6 else z
        ctx.save_for_backward(xhat, rstd, gamma, z if relu6 else None, rows)
        ctx.relu6 = relu6
        return y

    @staticmethod
    def backward(ctx, dy):
        xhat, rstd, gamma, z, rows = ctx.saved_tensors
        c = xhat.shape[1]
        dz = dy * ((z > 0) & (z < 6)).to(dy.dtype) if ctx.relu6 else dy
        dbeta = dz.sum((0, 2, 3))
        dgamma = (dz * xhat).sum((0, 2, 3))
        both = torch.cat([dbeta, dgamma])
        dist.all_reduce(both)
        dbeta_all, dgamma_all = both[:c], both[c:]
        dx = (gamma * rstd).view(1, c, 1, 1) * (
            dz - (dbeta_all / rows).view(1, c, 1, 1) - xhat * (dgamma_all / rows).view(1, c, 1, 1)
        )
        return dx, dgamma, dbeta, None, None


def sync_batch_norm(x, gamma, beta, eps, relu6):
    return _SyncBN.apply(x, gamma, beta, eps, relu6)
