"""Weight-only int8 for the decoder's linear layers: int8 weights with one scale per output row,
activations left in floating point. Decode on a CPU is bound by reading weights; torch's
`_weight_int8pack_mm` reads a quarter of the bytes. Unlike dynamic int8 (activations rounded to
int8 too, which cut Gemma 3 270M's reviews short), the text changes only as much as a weight
rounding does: bench/embedded/int8.py measures both.
"""

from __future__ import annotations

from pathlib import Path

import torch

# The int8 kernel computes row by row: its time grows with the rows it is given, and above ~8
# rows (a decode step of 8 sequences) a float matmul over the dequantised weights wins; a
# prompt's reading (hundreds of rows) always takes that path.
KERNEL_ROWS = 8
CHUNKED_ROWS = 32


class Int8Linear(torch.nn.Module):
    """A drop-in for nn.Linear holding only int8 weights, per-row scales and the bias."""

    def __init__(self, weight_int8: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor | None = None):
        super().__init__()
        self.out_features, self.in_features = weight_int8.shape
        self.register_buffer("weight_int8", weight_int8)
        self.register_buffer("scale", scale)
        self.register_buffer("scale_bf16", scale.to(torch.bfloat16))
        self.bias = None if bias is None else torch.nn.Parameter(bias, requires_grad=False)

    @classmethod
    def of(cls, linear: torch.nn.Linear) -> Int8Linear:
        w = linear.weight.detach().float()
        scale = w.abs().amax(1).clamp(min=1e-12) / 127
        bias = None if linear.bias is None else linear.bias.detach()
        return cls(torch.round(w / scale[:, None]).to(torch.int8), scale, bias)

    def _kernel(self, x: torch.Tensor) -> torch.Tensor:
        # the CPU kernel is vectorised for bfloat16 activations (float32 ones run ~7x slower)
        return torch.ops.aten._weight_int8pack_mm(x.to(torch.bfloat16), self.weight_int8, self.scale_bf16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape, flat = x.shape, x.reshape(-1, x.shape[-1])
        rows = flat.shape[0]
        if rows <= CHUNKED_ROWS:
            y = torch.cat([self._kernel(flat[a : a + KERNEL_ROWS]) for a in range(0, rows, KERNEL_ROWS)])
            y = y.to(x.dtype)
            if self.bias is not None:
                y = y + self.bias
        else:
            weight = self.weight_int8.to(x.dtype) * self.scale.to(x.dtype)[:, None]
            y = torch.nn.functional.linear(flat, weight, self.bias)
        return y.reshape(*shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, int8 weights"


def int8_weights(module: torch.nn.Module, store: Path | None = None) -> int:
    """Every nn.Linear under `module` to Int8Linear, in place; returns how many. With `store` (a
    safetensors file), the int8 tensors are read from it when it matches and written to it when
    not: rounding reads every float weight, and those pages of the weights file then stay resident
    (+~300 MB); read from the store, the float weights are never touched."""
    linears = {name: m for name, m in module.named_modules() if isinstance(m, torch.nn.Linear)}
    saved = _read(store, linears)
    made = {}
    for name, linear in linears.items():
        if saved is not None:
            bias = None if linear.bias is None else linear.bias.detach()
            new = Int8Linear(saved[f"{name}.weight_int8"], saved[f"{name}.scale"], bias)
        else:
            new = Int8Linear.of(linear)
            made |= {f"{name}.weight_int8": new.weight_int8, f"{name}.scale": new.scale}
        parent, _, attr = name.rpartition(".")
        setattr(module.get_submodule(parent), attr, new)
    if store is not None and made:
        from safetensors.torch import save_file

        store.parent.mkdir(parents=True, exist_ok=True)
        tmp = store.with_suffix(".tmp")
        save_file(made, str(tmp))
        tmp.replace(store)  # never a half-written store
    return len(linears)


def _read(store: Path | None, linears: dict) -> dict | None:
    if store is None or not store.exists():
        return None
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        saved = load_file(str(store))
    except (OSError, SafetensorError):
        return None  # unreadable: made again and rewritten
    for name, linear in linears.items():
        w = saved.get(f"{name}.weight_int8")
        if w is None or tuple(w.shape) != (linear.out_features, linear.in_features):
            return None
    # Copies, not views of the file: torch 2.13's int8 kernel segfaulted on AVX-512/AMX CPUs when
    # handed weights the file placed 8 bytes off a 64-byte boundary (fresh tensors are aligned).
    return {key: tensor.clone() for key, tensor in saved.items()}
