"""The compute process: `python -m supernet_torch.compute`, alone or under torchrun.

Rank 0 connects to the engine (SUPERNET_ENGINE=host:port, SUPERNET_TOKEN proves it was the
engine that started it), says hello, then serves the engine's commands one at a time; under
torchrun it hands each command to the other ranks first, so every rank runs the same step
on its shard of the batch. Only rank 0 talks to the engine and only the engine writes the
run folder.
"""

import datetime
import os
import select
import socket
import sys
import traceback

import numpy as np
import torch
import torch.distributed as dist

from . import PROTOCOL
from .net import Supernet
from .optim import Optimizer
from .step import run_step
from .wire import pack_tensors, read_frame, unpack_tensors, write_frame


class Compute:
    def __init__(self, device: torch.device, world: int, rank: int):
        self.device = device
        self.world = world
        self.rank = rank
        self.net = None
        self.model = None
        self.optimizer = None

    def init(self, cmd, payload):
        self.net = Supernet(cmd["spec"]).to(self.device)
        self.net.sync_bn = bool(cmd.get("syncBatchNorm")) and self.world > 1
        self.optimizer = Optimizer(self.net, cmd["optimizer"], cmd["weightDecay"])
        self.load(cmd, payload)
        if self.world > 1:
            ddp_args = {"device_ids": [self.device.index]} if self.device.type == "cuda" else {}
            self.model = torch.nn.parallel.DistributedDataParallel(
                self.net, find_unused_parameters=True, broadcast_buffers=False, **ddp_args
            )
        else:
            self.model = self.net
        return {"type": "ok"}, b""

    @torch.no_grad()
    def load(self, cmd, payload):
        tensors, _ = unpack_tensors(cmd["tensors"], payload)
        slots = dict(self.optimizer.named_slots())
        for name, arr in tensors.items():
            target = slots.get(name)
            if target is None:
                target = self.net.tensor(name)
            if list(target.shape) != list(arr.shape):
                raise ValueError(f"{name}: shape {list(arr.shape)}, the supernet's is {list(target.shape)}")
            target.copy_(torch.from_numpy(arr.copy()))
        self.optimizer.steps = int(cmd["steps"])
        return {"type": "ok"}, b""

    def state(self):
        named = [(n, self.net.tensor(n).detach().cpu().numpy()) for n in self.net.names]
        named += [(n, v.detach().cpu().numpy()) for n, v in self.optimizer.named_slots()]
        entries, payload = pack_tensors(named)
        return {"type": "state", "tensors": entries, "steps": self.optimizer.steps}, payload

    def _shard(self, cmd, payload):
        """This rank's share of the step's batch. Rank 0 has the whole batch from the engine
        and scatters the others' shares: each rank receives its own images, once."""
        (n, h, w, c) = cmd["shape"]
        if n % self.world:
            raise ValueError(f"a batch of {n} images does not split evenly over {self.world} ranks")
        b = n // self.world
        specs = [("x", [b, h, w, c], torch.float32), ("y", [b], torch.int32)]
        if cmd.get("weighted"):
            specs.append(("weights", [b], torch.float32))
        whole = {}
        if self.rank == 0:
            entries = [{"name": k, "shape": [n, *shape[1:]]} for k, shape, _ in specs]
            entries[1]["dtype"] = "int32"
            whole, _ = unpack_tensors(entries, payload)
        # gloo scatters CPU tensors, NCCL the GPU's.
        via = self.device if self.device.type == "cuda" else torch.device("cpu")
        out = {}
        for name, shape, dtype in specs:
            if self.world == 1:
                out[name] = torch.from_numpy(whole[name].copy()).to(self.device)
                continue
            mine = torch.empty(shape, dtype=dtype, device=via)
            parts = None
            if self.rank == 0:
                full = torch.from_numpy(whole[name].copy()).to(via)
                parts = [p.contiguous() for p in full.chunk(self.world)]
            dist.scatter(mine, parts, src=0)
            out[name] = mine.to(self.device)
        return out

    def step(self, cmd, payload):
        t = self._shard(cmd, payload)
        out, error_norms = run_step(
            self.model, self.net, self.optimizer, cmd, t["x"], t["y"], t.get("weights"), self.world
        )
        out["type"] = "step"
        if error_norms is None:
            return out, b""
        out["errorNorms"] = True
        return out, error_norms.detach().cpu().numpy().astype(np.float32).tobytes()

    def handle(self, cmd, payload):
        kind = cmd["type"]
        if kind == "init":
            return self.init(cmd, payload)
        if self.net is None:
            raise ValueError(f"'{kind}' before 'init'")
        if kind == "step":
            return self.step(cmd, payload)
        if kind == "state":
            return self.state()
        if kind == "load":
            return self.load(cmd, payload)
        raise ValueError(f"unknown command '{kind}'")


def _device(asked: str, local_rank: int) -> torch.device:
    if asked == "cuda" or (asked == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise RuntimeError(f"CUDA was asked for, and torch {torch.__version__} sees no GPU")
        torch.cuda.set_device(local_rank)
        return torch.device("cuda", local_rank)
    return torch.device("cpu")


def _connect():
    host, _, port = os.environ["SUPERNET_ENGINE"].rpartition(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.settimeout(None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


HEARTBEAT_SECONDS = 20


def _next_command(sock, world):
    """The engine's next command; while it thinks (an epoch's evaluation, a ranking check),
    a no-op every HEARTBEAT_SECONDS, so the other ranks' wait for it never nears a
    collective's timeout."""
    if world > 1:
        readable, _, _ = select.select([sock], [], [], HEARTBEAT_SECONDS)
        if not readable:
            return {"type": "noop"}, b""
    return read_frame(sock)


def _share(cmd, payload, world, rank):
    """Rank 0's command to every rank (the others block here until the next one)."""
    if world == 1:
        return cmd, payload
    box = [cmd, payload] if rank == 0 else [None, None]
    dist.broadcast_object_list(box, src=0)
    return box[0], box[1]


def main() -> int:
    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    threads = int(os.environ.get("SUPERNET_THREADS", "0"))
    if threads > 0:
        torch.set_num_threads(threads)
    device = _device(os.environ.get("SUPERNET_DEVICE", "auto"), local_rank)
    if world > 1:
        # torch's default: a collective's wait, which a step of a large net may need. The
        # ranks' meeting has its own timeout (torchrun's), and idle waits are kept short by
        # rank 0's heartbeat (_next_command).
        dist.init_process_group(
            "nccl" if device.type == "cuda" else "gloo",
            timeout=datetime.timedelta(minutes=30),
        )
    sock = _connect() if rank == 0 else None
    if sock:
        write_frame(
            sock,
            {
                "type": "hello",
                "protocol": PROTOCOL,
                "token": os.environ.get("SUPERNET_TOKEN", ""),
                "torch": torch.__version__,
                "python": sys.version.split()[0],
                "device": device.type,
                "deviceName": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
                "worldSize": world,
                "nodes": world // int(os.environ.get("LOCAL_WORLD_SIZE", str(world))),
                "threads": torch.get_num_threads(),
                "distributed": ("nccl" if device.type == "cuda" else "gloo") if world > 1 else None,
                "pid": os.getpid(),
            },
        )
    compute = Compute(device, world, rank)
    while True:
        cmd, payload = _next_command(sock, world) if sock else (None, None)
        # A step's batch is scattered by rank 0 (Compute._shard), not sent whole to every rank.
        whole = payload
        cmd, payload = _share(cmd, b"" if cmd and cmd["type"] == "step" else payload, world, rank)
        if rank == 0:
            payload = whole
        if cmd["type"] == "close":
            break
        if cmd["type"] == "noop":
            continue
        try:
            reply, data = compute.handle(cmd, payload)
        except Exception as e:  # the engine reports it and ends the run
            if not sock:
                raise
            reply, data = {"type": "error", "message": str(e), "trace": traceback.format_exc()}, b""
        if sock:
            write_frame(sock, reply, data)
    if world > 1:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
