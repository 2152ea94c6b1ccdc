"""Measures the decode changes one at a time on the same conditional prompts: transformers'
`generate` with the whole 262k-token head (the old default), syngen's plain loop with the whole
head, the plain loop with the domain head, the KV cache appended in place, the head's rows in
float16, the body in float16 and then its KV cache in bfloat16 (hosts without native bf16) or
the bfloat16 body's linears packed for oneDNN (hosts with it), int8 weights, dynamic int8; at
batch 1 and 8, greedy and sampled. Decode tok/s leaves the prompts' reading out (see
`decode_rate`). llama.cpp's one stream on the first of the same prompts is measured in the same
run (bench/llamacpp_reference.py), and the defaults' sampled tok/s is printed as a ratio of it.
It also counts how many tokens sampled with the whole head fall outside the domain head (goal < 0.5%).

    python bench/embedded/steps.py [--emulate-avx2|--emulate-amd]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedded.common import (  # noqa: E402
    STATE,
    arguments,
    conditional_prompts,
    decode_rate,
    drug_seed,
    steps,
    write_result,
)

from syngen.backends import hf  # noqa: E402
from syngen.seed.prepared import domain_texts  # noqa: E402


def decode_steps(seed, batches=(1, 8), new_tokens=48) -> dict:
    """Each step's decode tok/s at batch 1 and 8, greedy and sampled, and llama.cpp's one stream
    on the first of the same prompts, all in this run."""
    from llamacpp_reference import decode_rate as llamacpp_rate

    STATE["domain"] = domain_texts(seed)
    rows = []
    chain, default = steps()
    for b in batches:
        prompts = conditional_prompts(seed, b)
        for temperature in (0.0, 0.8):
            row = {"batch": b, "sampling": "greedy" if temperature == 0 else "top-k/top-p t=0.8"}
            for label, opts in chain:
                rate, prefill = decode_rate(opts, prompts, new_tokens, temperature)
                row[label] = round(rate, 1)
                row[f"prefill s ({label})"] = round(prefill, 1)
            base = row[chain[0][0]]
            print(
                f"batch {b} {row['sampling']:>17}: "
                + " | ".join(f"{lab} {row[lab]:.1f} tok/s ({row[lab] / base:.2f}x)" for lab, _ in chain),
                flush=True,
            )
            rows.append(row)
    ref = llamacpp_rate(conditional_prompts(seed, 1)[0].completion, 4 * new_tokens)
    if ref is not None:
        r = ref["decode_tok_per_s"]
        print(f"llama.cpp, one stream, same first prompt, sampled: decode {r} tok/s (prefill {ref['prefill_s']} s)")
        for row in rows:
            if row["sampling"] != "greedy":
                x = row[default] / r
                print(f"  syngen defaults at batch {row['batch']}: {row[default]} tok/s = {x:.2f}x llama.cpp")
                row["x llama.cpp (defaults)"] = round(x, 2)
    return {"steps": rows, "llamacpp": ref}


def outside_domain_share(seed, n_prompts=16, new_tokens=128) -> float:
    """Share of tokens sampled with the whole head that the domain head could not have drawn."""
    b = hf.HFBackend(max_new_tokens=new_tokens, temperature=0.8, vocab="full")
    model, tok = b.load()
    b.use_domain(domain_texts(seed))
    prompts = conditional_prompts(seed, n_prompts)
    enc = tok([p.completion for p in prompts], return_tensors="pt", padding=True)
    from syngen.engine.decode import domain_ids

    kept = set(domain_ids(tok, domain_texts(seed), enc["input_ids"].flatten().tolist()).tolist())
    res = b.generate(prompts, random_seed=2)
    ids = [i for r in res for i in r.meta["token_ids"]]
    share = sum(i not in kept for i in ids) / max(1, len(ids))
    print(
        f"domain head: {len(kept):,} of {len(tok):,} ids kept; {share:.2%} of {len(ids)} tokens sampled "
        f"with the whole head fall outside it (goal < 0.5%)",
        flush=True,
    )
    return share


def main() -> None:
    a = arguments(__doc__)
    seed = drug_seed()
    write_result("steps", {"decode_steps": decode_steps(seed), "outside_domain_share": outside_domain_share(seed)}, a)


if __name__ == "__main__":
    main()
