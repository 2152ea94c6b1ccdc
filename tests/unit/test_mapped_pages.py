"""Pages of a mapped weights file given back after the body is converted (syngen/engine/mapped_pages.py)."""

import gc
import sys

import pytest
import torch
from helpers import tiny_gemma

from syngen.engine import fp16_weights, loading, mapped_pages

P = 4096
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise and /proc are Linux's")


def test_only_whole_pages_of_dead_ranges_inside_a_mapping_are_dropped():
    mapping = [(0, 100 * P)]
    # a dead range cut to whole pages; a live range inside it splits it, with the pages it touches kept
    assert mapped_pages.droppable([(P // 2, 10 * P)], [], mapping, P) == [(P, 10 * P)]
    assert mapped_pages.droppable([(0, 10 * P)], [(3 * P + 8, 4 * P + 8)], mapping, P) == [(0, 3 * P), (5 * P, 10 * P)]
    # a live range covering it all, a range outside any mapping, a range shorter than a page
    assert mapped_pages.droppable([(0, 10 * P)], [(0, 10 * P)], mapping, P) == []
    assert mapped_pages.droppable([(200 * P, 210 * P)], [], mapping, P) == []
    assert mapped_pages.droppable([(P + 8, 2 * P + 8)], [], mapping, P) == []


def _resident_kb(path) -> int:
    """Resident kB of this process's mappings of `path`."""
    total, inside = 0, False
    with open("/proc/self/smaps", encoding="utf-8") as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and len(head) >= 5:
                inside = len(head) == 6 and head[5] == str(path)
            elif inside and head[0] == "Rss:":
                total += int(head[1])
    return total


def _mapped(folder):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()


@linux
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_converting_the_body_gives_its_float32_pages_back_and_keeps_what_is_used(tmp_path, monkeypatch, dtype):
    if dtype == "float16" and not fp16_weights.available():
        pytest.skip("torch has no fbgemm here")
    tiny_gemma(hidden_size=256, intermediate_size=1024, num_hidden_layers=3, head_dim=64).save_pretrained(tmp_path)
    settings = {
        "quantize": "none",
        "dtype": dtype,
        "embedding": "float",
        "cache": False,
        "adapter": None,
        "linear": "packed",
    }
    ids = torch.tensor([[1, 5, 9, 13]])

    def converted(release: bool):
        model = _mapped(tmp_path)
        # a value only in memory (a private page written after loading): must survive
        model.lm_head.weight.data[25, 128] = 123.0  # mid-table: on a whole page
        if not release:
            monkeypatch.setattr(mapped_pages, "release", lambda dead, live: 0)
        loading.set_precision(model, None, settings)
        monkeypatch.undo()
        with torch.no_grad():
            logits = model(ids).logits
        return model, _resident_kb(tmp_path / "model.safetensors"), logits

    kept, kept_after, kept_logits = converted(release=False)
    del kept  # its mapping goes with it: only the next model's is counted
    gc.collect()
    model, after, logits = converted(release=True)
    body_kb = sum(p.numel() * 4 for p in _mapped(tmp_path).model.layers.parameters()) // 1024
    assert kept_after >= body_kb * 0.9  # without it, the converted float32 pages stay resident
    assert after <= kept_after - body_kb * 0.9
    assert model.lm_head.weight[25, 128].item() == 123.0
    assert torch.equal(logits, kept_logits)  # the same model, its pages read back from the file as needed
