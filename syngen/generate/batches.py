"""Which prompts a batch asks: labels in proportion to what is still missing, as many prompts as
the run's yield so far says the missing rows need, the shortest texts first in a run's first batch."""

from __future__ import annotations

import math
from collections import Counter

from syngen.prompting.row_sources import written_words


def pick_labels(targets, counts, n_prompts) -> list[str | None]:
    if not targets:
        return [None] * n_prompts
    planned = Counter()
    picks = []
    open_ = [k for k in targets if counts[k] < targets[k]] or list(targets)  # a full label gets no more prompts
    for _ in range(n_prompts):
        need = {k: targets[k] - counts[k] - planned[k] for k in open_}
        # Largest share still missing first, so labels interleave in proportion: a run that
        # stops early (cancel, budget) still has the target mix, not only the majority label.
        k = max(need, key=lambda k: (need[k] / targets[k] if targets[k] else -1, targets[k]))
        planned[k] += 1
        picks.append(k)
    return picks


def prompts_wanted(source, missing: int, made: int, prompted: int) -> int:
    """Prompts for the rows still missing at the yield this run has had so far. With 1 prompt in 5
    giving a row, the last row is asked of 5 prompts in one batch rather than of 5 batches of one
    (the embedded model decodes a batch of 8 in about 1.5x the time of one)."""
    shortfall = (prompted + 1) / (source.prompts_for(made) + 1)  # 1 when every prompt gives its rows
    return math.ceil(source.prompts_for(missing) * max(1.0, shortfall))


def draw_prompts(source, queued, targets, counts, size, pool) -> tuple[list, list]:
    """(the batch's prompts, those kept for the next batch). With `pool` > `size` (a run's first
    batch) the shortest texts of `pool` drawn rows go first, so the first rows show seconds sooner;
    the rest lead the next batch, so every drawn row is still written and the length mix holds."""
    planned = counts + Counter(p.target_label for p in queued)
    queued = queued + source.prompts(pick_labels(targets, planned, max(size, pool) - len(queued)))
    if pool > size:
        queued.sort(key=written_words)  # stable: equal lengths keep the label interleaving
    return queued[:size], queued[size:]
