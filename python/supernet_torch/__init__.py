"""Supernet Studio's PyTorch compute process.

The engine (TypeScript) orchestrates a run: config, samplers, schedule, events, checkpoints.
This package is the compute it drives when `train.backend` is `pytorch`: it holds the shared
weights and the optimizer's slots, and runs each step's subnets (forward, in-place
distillation, backward, update), alone or as the ranks of a torchrun job (DDP).
"""

#: The wire protocol (wire.py) and the supernet spec (net.py) this package speaks.
PROTOCOL = 1
SPEC_VERSION = 1
