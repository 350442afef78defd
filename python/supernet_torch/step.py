"""One training step of the engine's subnets (train/trainStep.ts), on this rank's shard.

Each subnet's gradient is computed on its own (the first subnet is the teacher when in-place
distillation is on); under DDP it is averaged across ranks before it is read. The gradients,
each times its subnet's scale, are summed into one update; their spread across subnets is
the gradient variance, and their norms are what the gradient-aware samplers learn from.
"""

import torch
import torch.distributed as dist
import torch.nn.functional as F

from .optim import region_counts


def cross_entropy(z, y, weights=None):
    per = -(F.one_hot(y.long(), z.shape[1]).to(z.dtype) * F.log_softmax(z, 1)).sum(1)
    return (per * weights).mean() if weights is not None else per.mean()


def distillation_loss(z, teacher, weights=None):
    log_t = teacher.clamp_min(1e-12).log()
    per = (teacher * (log_t - F.log_softmax(z, 1))).sum(1)
    return (per * weights).mean() if weights is not None else per.mean()


def _mean_across(values: torch.Tensor, world: int) -> torch.Tensor:
    if world > 1:
        dist.all_reduce(values)
        values = values / world
    return values


def run_step(model, net, optimizer, cmd: dict, x, y, weights, world: int):
    subnets = cmd["subnets"]
    n = len(subnets)
    distillation = bool(cmd["distillation"])
    want_feedback = bool(cmd["wantFeedback"])
    sums, sqs = {}, {}
    ce_losses, distill = [], []
    feedback = []
    teacher = None
    error_norms = None
    for i, sub in enumerate(subnets):
        names = net.touched(sub["layers"])
        for name in names:
            net.tensor(name).grad = None
        net.plan = sub
        z = model(x)
        student = distillation and teacher is not None
        if student:
            loss = distillation_loss(z, teacher, weights)
            distill.append(loss.detach())
            ce_losses.append(cross_entropy(z.detach(), y))
        else:
            loss = cross_entropy(z, y, weights)
            ce_losses.append(loss.detach())
        loss.backward()
        zd = z.detach()
        if i == 0 and distillation and n > 1:
            teacher = F.softmax(zd, 1)
        if i == 0 and cmd["wantErrorNorms"]:
            onehot = F.one_hot(y.long(), zd.shape[1]).to(zd.dtype)
            error_norms = (F.softmax(zd, 1) - onehot).square().sum(1).sqrt()
        grads = [(name, net.tensor(name).grad) for name in names]
        if want_feedback:
            norms = torch.stack([g.square().sum() for _, g in grads]).tolist()
            feedback.append([[name, v] for (name, _), v in zip(grads, norms)])
        scale = sub.get("gradScale", 1)
        for name, g in grads:
            g = g * scale if scale != 1 else g
            s = sums.get(name)
            sums[name] = g.clone() if s is None else s + g
            if n > 1:
                q = sqs.get(name)
                sqs[name] = g.square() if q is None else q + g.square()
    variance = []
    if n > 1:
        names = list(sums)
        per = torch.stack(
            [(sqs[k] / n - (sums[k] / n).square()).clamp_min(0).sum() for k in names]
        ).tolist()
        variance = [[k, v] for k, v in zip(names, per)]
    decay = cmd["decay"]
    if isinstance(decay, dict):
        decay = region_counts(net, decay["regions"])
    optimizer.apply(sums, cmd["lr"], decay)
    scalars = _mean_across(torch.stack(ce_losses + distill), world).tolist()
    out = {"losses": scalars[: len(ce_losses)], "variance": variance}
    if distill:
        d = scalars[len(ce_losses) :]
        out["distillLoss"] = sum(d) / len(d)
    if want_feedback:
        out["feedback"] = feedback
    if error_norms is not None and world > 1:
        parts = [torch.empty_like(error_norms) for _ in range(world)]
        dist.all_gather(parts, error_norms)
        error_norms = torch.cat(parts)
    return out, error_norms
