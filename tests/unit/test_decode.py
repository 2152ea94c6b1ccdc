"""The lean decode loop's parts that need no model: sampling over a restricted head."""

import torch

from syngen.engine.decode import DomainHead, sample


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


class _Tok:
    """A tokenizer over a tiny vocabulary, greedy longest match ("▁" is a space)."""

    vocab = ["<eos>", "\n", "\n\n", "▁hi", "<0xE2>", "<0x80>", "<0x99>", "body", ":", ".", "2", "▁"]

    def __len__(self):
        return len(self.vocab)

    def convert_ids_to_tokens(self, ids):
        return [self.vocab[i] for i in ids]

    def __call__(self, text, add_special_tokens=False):
        ids, text = [], text.replace(" ", "▁")
        while text:
            i = max((i for i, t in enumerate(self.vocab) if text.startswith(t)), key=lambda i: len(self.vocab[i]))
            ids.append(i)
            text = text[len(self.vocab[i]) :]
        return {"input_ids": ids}


def test_row_lines_give_the_next_key_and_end_a_line_past_its_limit():
    from types import SimpleNamespace

    from syngen.engine.row_lines import RowLines, vocab_lines

    tok = _Tok()
    prompt = SimpleNamespace(rows=1, lines_per_row=2, line_keys=["body:"], line_limits=[4, 5], line_ends=[])
    rows = RowLines(tok, vocab_lines("tiny", tok, size=13), [prompt, prompt], {0})
    new = [3]  # " hi"
    assert not rows.done(0, new) and rows.steer(0, 3) is None
    assert rows.steer(0, 2) == [1, 7, 8]  # a blank line becomes a line break and `body:`
    assert rows.steer(0, 1) is None  # one key per written column after the first
    for t in (1, 7, 8, 3):  # the key does not count towards the body's 5 characters
        new.append(t)
        assert not rows.done(0, new), t
    assert rows.done(0, new + [1])  # the body's line break: the row is complete
    # " hi’" is 4 characters (the three bytes of ’ are one): within the limit; " hi" more is past it
    line = []
    for t in (3, 4, 5, 6):
        line.append(t)
        assert not rows.done(1, line)
    assert rows.done(1, line + [3])
    assert vocab_lines("tiny", tok, size=13).chars[-1:] == [0]  # padded to the model's vocabulary


def test_a_line_as_long_as_the_seed_s_median_ends_at_its_next_sentence_end():
    """A title that runs on (the seed's median title 2 characters) gets the next key after its
    next full stop, not after the point of a number."""
    from types import SimpleNamespace

    from syngen.engine.row_lines import RowLines, vocab_lines

    tok = _Tok()
    prompt = SimpleNamespace(rows=1, lines_per_row=2, line_keys=["body:"], line_limits=[4, 5], line_ends=[2, 3])
    rows = RowLines(tok, vocab_lines("tiny", tok, size=13), [prompt] * 3, {0})
    assert not rows.done(0, [9]) and rows.steer(0, 9) is None  # "." before the line is long
    assert not rows.done(1, [3]) and rows.steer(1, 9) == [9, 1, 7, 8]  # " hi." then `body:`
    for t in (9, 1, 7, 8):  # the point is the title's, the key's tokens are not counted
        assert not rows.done(1, [3, t])
    assert rows.steer(1, 9) is None  # the body is the last column: its line ends as it will
    assert not rows.done(2, [3]) and not rows.done(2, [3, 10]) and rows.steer(2, 9) is None  # " hi2." of 2.5


def test_a_line_break_before_the_hinted_length_becomes_a_space():
    """A small model ends its text far sooner than its length hint asks: with a `length_floor`,
    a line break before that share of the hint is written as a space, and one after it ends the
    row; without one (the default) a line break ends the row as always."""
    from types import SimpleNamespace

    from syngen.engine.row_lines import RowLines, vocab_lines

    tok = _Tok()
    prompt = SimpleNamespace(rows=1, lines_per_row=1, line_keys=[], line_limits=[None], line_ends=[], line_mins=[6])
    assert RowLines(tok, vocab_lines("tiny-space", tok, size=12), [prompt], {0}).steer(0, 1) is None  # off
    rows = RowLines(tok, vocab_lines("tiny-space", tok, size=12), [prompt], {0}, floor=1.0)
    new = [3]  # " hi": 3 characters
    assert not rows.done(0, new)
    assert rows.steer(0, 1) == [11]  # a line break at 3 of 6 characters: a space instead
    for t in (11, 3):
        new.append(t)
        assert not rows.done(0, new)
    assert rows.steer(0, 1) is None and rows.done(0, new + [1])  # 7 characters: the line break ends it
