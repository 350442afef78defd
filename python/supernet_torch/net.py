"""The supernet as the engine lowers it: shared weights by stable name, subnets as layer lists.

The spec (version 1) names every tensor of the supernet with its shape in the engine's
layout (convolution kernels [kh, kw, cin, cout], depthwise [k, k, C, 1], the classifier
[head, classes]) and its kind; a subnet arrives as the layer list the engine's cost model,
tfjs forward pass and ONNX export read (space/layers.ts). Weights stay in the engine's
layout here, so checkpoints, optimizer slots and decay masks move without a transpose; a
layer's kernel is cut from the shared tensor (centre crop, first channels, through the
kernel transforms when the supernet has them) and permuted to torch's layout per use.
"""

import torch
import torch.nn.functional as F
from torch import nn

from . import SPEC_VERSION
from .syncbn import sync_batch_norm

BN_EPSILON = 1e-5


class SpecError(Exception):
    pass


def _pads(size_in: int, size_out: int, stride: int, kernel: int):
    """TensorFlow's 'same' padding: the odd pixel goes after (bottom, right)."""
    total = max((size_out - 1) * stride + kernel - size_in, 0)
    return total // 2, total - total // 2


class Supernet(nn.Module):
    def __init__(self, spec: dict):
        super().__init__()
        if spec.get("version") != SPEC_VERSION:
            raise SpecError(
                f"supernet spec version {spec.get('version')}; this compute process reads {SPEC_VERSION}"
            )
        self.names = []
        self.kinds = {}
        self.trainable = {}
        self.decay = {}
        self.index = {}
        tensors = []
        for p in spec["parameters"]:
            name = p["name"]
            self.index[name] = len(tensors)
            self.names.append(name)
            self.kinds[name] = p["kind"]
            self.trainable[name] = bool(p["trainable"])
            self.decay[name] = bool(p["decay"])
            tensors.append(
                nn.Parameter(torch.zeros(p["shape"], dtype=torch.float32), requires_grad=p["trainable"])
            )
        self.params = nn.ParameterList(tensors)
        # By layer: its transforms, largest size first ({from, to, name}).
        self.transforms = spec.get("transforms", {})
        self.sync_bn = False
        self.plan = None

    def tensor(self, name: str) -> torch.Tensor:
        i = self.index.get(name)
        if i is None:
            raise SpecError(f"the supernet has no tensor {name}")
        return self.params[i]

    def transforms_to(self, layer: str, kernel: int):
        return [t for t in self.transforms.get(layer, []) if t["to"] >= kernel]

    def touched(self, layers) -> list:
        """The trainable tensors a subnet reads: the ones its loss has gradients for."""
        out = []
        for l in layers:
            if l["kind"] == "conv":
                n = l["name"]
                out += [f"{n}.kernel", f"{n}.gamma", f"{n}.beta"]
                out += [t["name"] for t in self.transforms_to(n, l["kernel"])]
            elif l["kind"] == "linear":
                out += ["classifier.weight", "classifier.bias"]
        return out

    def kernel_at(self, l: dict) -> torch.Tensor:
        """The layer's kernel in torch's layout, cut from the shared one."""
        full = self.tensor(l["name"] + ".kernel")
        depthwise = l["role"] == "depthwise"
        k = full[:, :, : l["cin"], : (1 if depthwise else l["cout"])]
        size = full.shape[0]
        for t in self.transforms_to(l["name"], l["kernel"]):
            to = t["to"]
            off = (size - to) // 2
            channels = k.shape[2]
            centre = k[off : off + to, off : off + to]
            taps = centre.reshape(to * to, channels).t()
            k = (taps @ self.tensor(t["name"])).t().reshape(to, to, channels, 1)
            size = to
        off = (size - l["kernel"]) // 2
        if off:
            k = k[off : off + l["kernel"], off : off + l["kernel"]]
        return k.permute(2, 3, 0, 1) if depthwise else k.permute(3, 2, 0, 1)

    def conv_bn(self, h: torch.Tensor, l: dict) -> torch.Tensor:
        w = self.kernel_at(l)
        top, bottom = _pads(l["hin"], l["hout"], l["stride"], l["kernel"])
        left, right = _pads(l["win"], l["wout"], l["stride"], l["kernel"])
        if top == bottom and left == right:
            h = F.conv2d(h, w, stride=l["stride"], padding=(top, left), groups=l["groups"])
        else:
            h = F.conv2d(F.pad(h, (left, right, top, bottom)), w, stride=l["stride"], groups=l["groups"])
        c = l["cout"]
        gamma = self.tensor(l["name"] + ".gamma")[:c]
        beta = self.tensor(l["name"] + ".beta")[:c]
        if self.sync_bn:
            return sync_batch_norm(h, gamma, beta, BN_EPSILON, l["relu6"])
        h = F.batch_norm(h, None, None, gamma, beta, training=True, eps=BN_EPSILON)
        return F.hardtanh(h, 0.0, 6.0) if l["relu6"] else h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of the subnet in `self.plan` for NHWC images `x`."""
        plan = self.plan
        h = x.permute(0, 3, 1, 2)
        ih, iw = plan["input"]
        if h.shape[2] != ih or h.shape[3] != iw:
            h = F.interpolate(h, size=(ih, iw), mode="bilinear", align_corners=False)
        h = h.contiguous()
        layers = plan["layers"]
        sources = {l["from"] for l in layers if l["kind"] == "add"}
        kept = {-1: h}
        for i, l in enumerate(layers):
            kind = l["kind"]
            if kind == "conv":
                h = self.conv_bn(h, l)
            elif kind == "add":
                h = h + kept[l["from"]]
            elif kind == "linear":
                return h.mean((2, 3)) @ self.tensor("classifier.weight") + self.tensor("classifier.bias")
            elif kind != "pool":
                raise SpecError(f"unknown layer kind {kind}")
            if i in sources:
                kept[i] = h
        raise SpecError("a subnet's layers must end with the classifier")
