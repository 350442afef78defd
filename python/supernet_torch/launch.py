"""torchrun (torch.distributed.run), made to work where it does not by itself.

torch 1.13's launcher parses its stream-redirect options by iterating the `Std` flag enum;
from Python 3.11 on, that iteration leaves out the zero member, so every launch fails with
"'NoneType' object has no attribute 'get'" (Debian 12's python3-torch is such a pair). The
fix replaces only that parser, and only where it is broken; the launcher is otherwise torch's.
"""

import re
import sys

from torch.distributed.elastic.multiprocessing import api


def _from_str(vm: str):
    if re.fullmatch(r"\d", vm):
        return api.Std(int(vm))
    if re.fullmatch(r"(\d:\d,)*\d:\d", vm):
        return {int(i): api.Std(int(v)) for i, v in (m.split(":") for m in vm.split(","))}
    raise ValueError(f"{vm} does not match the redirect format")


if api.Std.from_str("0") is None:
    api.Std.from_str = staticmethod(_from_str)

if __name__ == "__main__":
    from torch.distributed.run import main

    sys.exit(main())
