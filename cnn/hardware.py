"""Where a run trains and in which number format: chosen by what is fast here, not by what merely runs.

bfloat16 autocast trains this network about 1.7x faster than float32 on a CPU with native
bfloat16 instructions (AVX512-BF16 or AMX), and 3.4x *slower* on one without them, where oneDNN
emulates bfloat16 on AVX-512 and still reports it as supported
(`torch.ops.mkldnn._is_mkldnn_bf16_supported()` is True on both). So "auto" asks the CPU itself:
its flags, read from /proc/cpuinfo, and the ISA cap oneDNN is told to respect
(ONEDNN_MAX_CPU_ISA). Flags rather than a timed trial: a trial costs a second at every start,
and on a shared, noisy machine it can pick the wrong one; flags are exact and free. Where the
flags cannot be read (macOS, Windows), "auto" stays float32: never much slower than bfloat16,
never 3x slower.
"""
from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path

import torch

from .errors import ConfigError

DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16")
BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
# oneDNN's ISA levels that include its bfloat16 instructions; ONEDNN_MAX_CPU_ISA set to any other
# level (AVX512_CORE, AVX2, ...) makes oneDNN emulate bfloat16, whatever the CPU has.
ONEDNN_BF16_ISAS = frozenset({
    "AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX512_CORE_AMX", "AVX512_CORE_AMX_FP16", "AVX10_1_512",
    "AVX10_1_512_AMX", "AVX10_1_512_AMX_FP16", "AVX10_2_512", "AVX10_2_512_AMX_2", "ALL", "DEFAULT",
})


def resolve_device(name: str = "auto") -> torch.device:
    """The device for `name`: auto is CUDA, else Apple's MPS, else the CPU. Raises ConfigError."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as e:
        raise ConfigError(f"unknown device {name!r}; use {', '.join(DEVICES)}") from e
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was asked for, but this machine has no usable CUDA GPU")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError("device 'mps' was asked for, but this machine has no Apple GPU")
    if device.type not in DEVICES:
        raise ConfigError(f"unsupported device {name!r}; use {', '.join(DEVICES)}")
    return device


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags as Linux lists them (avx2, avx512f, avx512_bf16, ...); empty elsewhere."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return frozenset()


def onednn_isa_cap() -> str | None:
    """The highest instruction set oneDNN may use, if capped by its environment variable."""
    cap = os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA")
    return cap.strip().upper() if cap else None


def cpu_bf16_is_native(flags: frozenset[str], isa_cap: str | None, onednn_bf16: bool = True) -> bool:
    """Whether this CPU computes bfloat16 in hardware, for oneDNN as it is configured.

    flags: the CPU's feature flags; isa_cap: ONEDNN_MAX_CPU_ISA, if set; onednn_bf16: whether
    this PyTorch's oneDNN does bfloat16 at all (emulated or not).
    """
    return onednn_bf16 and bool(flags & BF16_CPU_FLAGS) and (isa_cap is None or isa_cap in ONEDNN_BF16_ISAS)


def native_bf16(device: torch.device) -> bool:
    """Whether bfloat16 is natively fast on `device` (see the module's docstring)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported(including_emulation=False)
    if device.type == "cpu":
        return cpu_bf16_is_native(cpu_flags(), onednn_isa_cap(), _onednn_bf16())
    return False  # Apple's MPS: float32, as it has always trained here


def _onednn_bf16() -> bool:
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_precision(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for training, or None for plain float32.

    auto: bfloat16 where it is natively fast (weights stay float32, so accuracy holds), else
    float32. bf16: bfloat16 always; where it would be emulated, it warns (once) that it is slower.
    """
    if precision not in PRECISIONS:
        raise ConfigError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if precision == "fp32":
        return None
    if native_bf16(device):
        return torch.bfloat16
    if precision == "bf16":
        _warn_once(emulation_warning(device))
        return torch.bfloat16
    return None


def emulation_warning(device: torch.device) -> str:
    return (f"bfloat16 was asked for, but this {device.type} has no native bfloat16: it will be emulated and "
            f"train slower than float32 here (use --precision auto or fp32).")


def flush_subnormals() -> None:
    """Treat subnormal floats (below 1.2e-38) as zero on the CPU, in this thread and in every thread
    it starts from now on (torch's pool inherits the setting when it is created: call this first).

    Why: Adam's first moment decays by 0.9 a step wherever a weight's gradient stays exactly zero
    (fc1's weights from pooled features that ReLU keeps at zero), and turns subnormal after about
    600 steps: 27% of fc1's by the end of the fast preset's epoch. The CPU works on subnormals
    through a slow microcode path: that epoch's steps 800-900 ran at 1,095 images/s rather than
    about 1,900 (2-core Xeon with AVX-512). Flushed, the same run's evaluations are the same to
    four decimals: a moment of 1e-38 moves no weight.
    """
    torch.set_flush_denormal(True)  # False (and nothing done) on CPUs without the flags for it


def precision_name(dtype: torch.dtype | None) -> str:
    return "bfloat16" if dtype == torch.bfloat16 else "float32"


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        warnings.warn(message, RuntimeWarning, stacklevel=3)
