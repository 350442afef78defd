"""What this interpreter offers the pytorch backend, as one JSON line (imports nothing of ours)."""

import json
import shutil
import sys

facts = {"python": sys.version.split()[0], "executable": sys.executable}
try:
    import torch

    facts["torch"] = torch.__version__
    facts["cuda"] = bool(torch.cuda.is_available())
    facts["cudaBuild"] = torch.version.cuda
    facts["gpus"] = torch.cuda.device_count() if facts["cuda"] else 0
    facts["gpuNames"] = [torch.cuda.get_device_name(i) for i in range(facts["gpus"])]
    import torch.distributed as dist

    facts["distributed"] = bool(dist.is_available())
    facts["gloo"] = bool(dist.is_available() and dist.is_gloo_available())
    facts["nccl"] = bool(dist.is_available() and dist.is_nccl_available())
    try:
        import torch.distributed.run  # noqa: F401  (what torchrun runs)

        facts["torchrun"] = True
    except Exception:
        facts["torchrun"] = False
    facts["numpy"] = __import__("numpy").__version__
except Exception as e:  # torch missing or broken: say which
    facts["torchError"] = f"{type(e).__name__}: {e}"
facts["torchrunOnPath"] = shutil.which("torchrun")
print(json.dumps(facts))
