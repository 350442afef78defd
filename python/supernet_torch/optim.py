"""SGD with (Nesterov) momentum or Adam, L2 decay added to the gradient: the engine's optimizer
(train/optimizer.ts) step for step, its slots named as the engine's checkpoint names them."""

import torch


class Optimizer:
    def __init__(self, net, cfg: dict, weight_decay: float):
        self.net = net
        self.cfg = cfg
        self.weight_decay = float(weight_decay)
        self.steps = 0
        n = 2 if cfg["type"] == "adam" else (1 if cfg.get("momentum", 0) > 0 else 0)
        self.slots = {
            name: [torch.zeros_like(net.tensor(name), requires_grad=False) for _ in range(n)]
            for name in net.names
            if net.trainable[name]
        }

    def named_slots(self):
        for name, vs in self.slots.items():
            for i, v in enumerate(vs):
                yield f"opt.{name}.{i}", v

    def _decayed(self, g, w, name, decay):
        if isinstance(decay, (int, float)):
            return g if decay == 0 else g + w * (self.weight_decay * decay)
        count = decay.get(name)
        return g if count is None else g + (w * count) * self.weight_decay

    @torch.no_grad()
    def apply(self, grads: dict, lr: float, decay) -> None:
        """One update with the step's summed gradients (absent: the weight is left alone)."""
        self.steps += 1
        cfg = self.cfg
        if self.weight_decay <= 0:
            decay = 0
        for name, slots in self.slots.items():
            g = grads.get(name)
            if g is None:
                continue
            w = self.net.tensor(name)
            if self.net.decay[name]:
                g = self._decayed(g, w, name, decay)
            if cfg["type"] == "adam":
                m, v = slots
                b1, b2 = cfg["beta1"], cfg["beta2"]
                m.copy_(m * b1 + g * (1 - b1))
                v.copy_(v * b2 + g.square() * (1 - b2))
                m_hat = m / (1 - b1**self.steps)
                v_hat = v / (1 - b2**self.steps)
                w.sub_((m_hat / (v_hat.sqrt() + 1e-8)) * lr)
            elif slots:
                (buf,) = slots
                mom = cfg["momentum"]
                buf.copy_(buf * mom + g)
                step = g + buf * mom if cfg.get("nesterov") else buf
                w.sub_(step * lr)
            else:
                w.sub_(g * lr)


def region_counts(net, per_subnet) -> dict:
    """`train.weightDecayScope: each-subnet`: per decayed tensor, how many of the step's
    subnets read each element; `per_subnet` lists each subnet's [name, region or None], a
    region being the shape read from the centre (axes 0, 1) and the first entries (2, 3)."""
    counts = {}
    for regions in per_subnet:
        for name, region in regions:
            full = net.tensor(name)
            if region is None or list(region) == list(full.shape):
                mask = torch.ones((), dtype=full.dtype, device=full.device)
            else:
                mask = torch.zeros_like(full)
                off = (full.shape[0] - region[0]) // 2
                mask[off : off + region[0], off : off + region[1], : region[2], : region[3]] = 1
            counts[name] = counts[name] + mask if name in counts else mask
    return counts
