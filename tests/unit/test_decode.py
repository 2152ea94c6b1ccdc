"""The lean decode loop's parts that need no model: sampling over a restricted head."""

import torch

from syngen.backends.decode import DomainHead, sample


def test_sampling_follows_temperature_top_k_and_top_p():
    logits = torch.tensor([[0.0, 3.0, 1.0, 2.9], [5.0, 0.0, 0.0, 0.0]])
    gen = torch.Generator().manual_seed(0)
    assert sample(logits, 0.0, 0, 1.0, gen).tolist() == [1, 0]  # greedy
    assert sample(logits, 1.0, 1, 1.0, gen).tolist() == [1, 0]  # top-k 1 is greedy
    assert sample(logits, 1.0, 0, 0.01, gen).tolist() == [1, 0]  # a tiny nucleus too
    draws = torch.stack([sample(logits, 1.0, 2, 1.0, gen) for _ in range(400)])
    assert set(draws[:, 0].tolist()) == {1, 3}  # top-2 of row 0: ids 1 and 3, both drawn
    share = (draws[:, 0] == 1).float().mean().item()
    assert 0.4 < share < 0.65  # softmax(3.0, 2.9): 0.525
    wide = torch.stack([sample(logits, 1.0, 0, 1.0, gen) for _ in range(400)])
    assert 0 in set(wide[:, 0].tolist()) or 2 in set(wide[:, 0].tolist())  # no cut: the tail is reachable
    a = [sample(logits, 0.8, 50, 0.95, torch.Generator().manual_seed(7)).tolist() for _ in range(2)]
    assert a[0] == a[1]  # a fixed seed gives the same draw


def test_domain_head_scores_only_its_ids_and_maps_back():
    weight = torch.randn(10, 4)
    ids = torch.tensor([2, 5, 7])
    head = DomainHead(weight, ids)
    hidden = torch.randn(3, 4)
    full = DomainHead(weight).logits(hidden)
    assert head.size == 3 and torch.allclose(head.logits(hidden), full[:, ids])
    assert head.token_ids(torch.tensor([0, 2, 1])).tolist() == [2, 7, 5]
