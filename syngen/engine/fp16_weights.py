"""Float16 weights, float32 arithmetic: fbgemm's fp16 matrix product (x86 builds of torch).

Decoding on a CPU is bound by reading weights. fbgemm keeps a matrix packed as float16, half the
bytes of float32, and multiplies float32 activations by it with float32 sums, so a result differs
from float32's only by the weights' rounding (relative 2^-11; bfloat16's is 2^-8). Along the seed
text the embedded model then picks float32's next token at 99.9% of positions (bench/embedded/
--only fp16). Where torch has no fbgemm (ARM builds), everything stays float32. torch's dynamic
layers (`dynamic_linears`) also give the opt-in int8-dynamic setting its layers.
"""

from __future__ import annotations

import functools
import warnings
from typing import Iterable

import torch


@functools.cache
def available() -> bool:
    """Whether this torch build packs float16 weights (fbgemm: x86 builds only)."""
    if "fbgemm" not in torch.backends.quantized.supported_engines:
        return False
    try:
        torch.ops.quantized.linear_prepack_fp16(torch.zeros(16, 16), None)
    except (RuntimeError, NotImplementedError):
        return False
    return True


class Fp16Matrix:
    """A float matrix packed as float16, given as blocks of rows stacked in order; `times(x)` is
    x @ matrix.T in float32. Packing block by block holds one float32 block at a time, not the
    whole float32 matrix beside its packed copy (the domain head's rows: 114 MB)."""

    def __init__(self, blocks: Iterable[torch.Tensor]):
        self._packed, rows, width = [], 0, 0
        for block in blocks:  # from float32: packing from float16 converts the whole block back first
            self._packed.append(torch.ops.quantized.linear_prepack_fp16(block.float().contiguous(), None))
            rows, width = rows + block.shape[0], block.shape[1]
        self.shape = (rows, width)

    def times(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, x.shape[-1]).float()
        parts = [torch.ops.quantized.linear_dynamic_fp16(flat, p) for p in self._packed]
        out = parts[0] if len(parts) == 1 else torch.cat(parts, -1)
        return out.reshape(*x.shape[:-1], self.shape[0])


def packed(matrix: torch.Tensor):
    """`matrix` as an Fp16Matrix where fbgemm is there, else unchanged."""
    return Fp16Matrix([matrix]) if available() else matrix


def times(x: torch.Tensor, matrix) -> torch.Tensor:
    """x @ matrix.T for a tensor or an Fp16Matrix, in the matrix's dtype (float32 for packed ones)."""
    return matrix.times(x) if isinstance(matrix, Fp16Matrix) else x.to(matrix.dtype) @ matrix.T


def dynamic_linears(module: torch.nn.Module, dtype: torch.dtype) -> None:
    """Every nn.Linear under `module` to torch's dynamic layer of `dtype`, in place: torch.float16
    (float16 weights, float32 activations) or torch.qint8 (int8 weights and activations)."""
    with warnings.catch_warnings():  # deprecated in favour of torchao, which is not a requirement
        warnings.simplefilter("ignore")
        torch.ao.quantization.quantize_dynamic(module, {torch.nn.Linear}, dtype=dtype, inplace=True)
