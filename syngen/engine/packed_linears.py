"""bfloat16 linear layers with their weights prepacked for oneDNN (CPUs with native bf16).

torch runs a bfloat16 `nn.Linear` on the CPU through oneDNN, and on every call it reads the
weight in torch's own row-major layout. oneDNN can pack a weight once into the blocked layout its
AVX-512/AMX kernels read directly. That is what inductor does when it freezes a model, and it can
be done without compiling anything. In a probe on this project's Intel host (AVX-512 BF16/AMX),
a 640x2048 layer ran 2.2x faster for 1-8 rows, and 1.1-1.3x faster for a prompt's 256 rows. The
results for 1-8 rows were bit for bit the same. Where oneDNN cannot pack bfloat16 weights (CPUs
without AVX-512 BF16 or AVX-NE-CONVERT), `available()` is False and the layers stay as they are.
"""

from __future__ import annotations

import functools

import torch


@functools.cache
def available() -> bool:
    """Whether this torch build and CPU pack and run bfloat16 weights with oneDNN."""
    try:
        weight = torch.ones(16, 16, dtype=torch.bfloat16)
        out = _product(torch.ones(2, 16, dtype=torch.bfloat16), torch.ops.mkldnn._reorder_linear_weight(weight), None)
    except (RuntimeError, AttributeError, NotImplementedError):  # no oneDNN, or a CPU without bf16
        return False
    return bool((out == 16).all())


def _product(x, packed, bias):
    return torch.ops.mkldnn._linear_pointwise(x, packed, bias, "none", [], "")


class PackedLinear(torch.nn.Module):
    """A drop-in for a bfloat16 nn.Linear holding its weight in oneDNN's packed layout. The packed
    weight is an opaque oneDNN tensor, not a parameter: `.to()` leaves it alone, and it has no
    storage that state_dict or a file mapping could reach."""

    def __init__(self, linear: torch.nn.Linear):
        super().__init__()
        self.out_features, self.in_features = linear.weight.shape
        self.packed = torch.ops.mkldnn._reorder_linear_weight(linear.weight.detach())
        self.bias = None if linear.bias is None else torch.nn.Parameter(linear.bias.detach(), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _product(x.to(torch.bfloat16), self.packed, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, packed bfloat16"


def pack_linears(module: torch.nn.Module) -> int:
    """Every bfloat16 nn.Linear under `module` to PackedLinear, in place; returns how many. Other
    layers (int8, float16, a head kept in float32) are left as they are."""
    found = [
        (name, m)
        for name, m in module.named_modules()
        if name and type(m) is torch.nn.Linear and m.weight.dtype == torch.bfloat16
    ]
    for name, linear in found:
        parent, _, attr = name.rpartition(".")
        setattr(module.get_submodule(parent) if parent else module, attr, PackedLinear(linear))
    return len(found)
