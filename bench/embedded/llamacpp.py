"""Alternates syngen's defaults (sampled) with llama.cpp's one stream on the same first
prompt, 4 pairs at batch 1 and 8, and prints the per-pair ratios: the goal's figure on a host whose
speed drifts within the minutes `steps` takes.

    python bench/embedded/llamacpp.py [--emulate-avx2|--emulate-amd]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import figures  # noqa: E402
from embedded.common import (  # noqa: E402
    STATE,
    alternating,
    arguments,
    command,
    conditional_prompts,
    decode_rate,
    drug_seed,
    write_result,
)

from syngen.seed.prepared import domain_texts  # noqa: E402


def against_llamacpp(seed, pairs=4, new_tokens=48) -> dict | None:
    """syngen's defaults (sampled) and llama.cpp's one stream on the first of the same prompts, in
    alternating pairs at batch 1 and 8: the per-pair ratio is the goal's figure, which the host's
    drift between the start and the end of `steps` can move by a third."""
    from llamacpp_reference import decode_rate as llamacpp_rate

    STATE["domain"] = domain_texts(seed)
    first = conditional_prompts(seed, 1)[0].completion
    if llamacpp_rate(first, 8) is None:  # builds it once, or says why it cannot
        return None
    out = {}
    for batch in (1, 8):
        prompts = conditional_prompts(seed, batch)

        def trial(kind):
            if kind == "syngen":
                return decode_rate({}, prompts, new_tokens, 0.8)[0]
            return llamacpp_rate(first, 4 * new_tokens)["decode_tok_per_s"]

        got = out[f"batch {batch}"] = alternating(trial, "syngen", "llama.cpp", pairs)
        print(
            f"batch {batch}, sampled: syngen defaults {got['syngen']} tok/s, llama.cpp one stream "
            f"{got['llama.cpp']} tok/s (medians); per-pair ratio median {got['syngen_x_median']}x",
            flush=True,
        )
    return out


def main() -> None:
    a = arguments(__doc__)
    got = against_llamacpp(drug_seed())
    write_result("llamacpp", {"against_llamacpp": got}, a)
    if got:
        b8 = got["batch 8"]
        emulated = " (emulated AVX2)" if a.emulate_avx2 else " (emulated AMD)" if a.emulate_amd else ""
        figures.record(
            f"embedded decode, batch 8 vs llama.cpp's one stream, alternating pairs{emulated}",
            f"{b8['syngen']} against {b8['llama.cpp']} tok/s (medians): per-pair median {b8['syngen_x_median']}x",
            command(a, "llamacpp.py"),
            ">= 3x",
        )


if __name__ == "__main__":
    main()
