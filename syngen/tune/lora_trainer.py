"""The LoRA training state of `syngen tune`: the model wrapped by peft, the loss scored over the
domain head (the seed's token ids), and how rows are split and batched."""

from __future__ import annotations

import random
import warnings

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
PAD_TO = 32  # batch lengths are rounded up to this


def by_label(rows, labels: list) -> dict:
    """`rows` (indices into `labels`) grouped by their label, in the order met."""
    groups: dict = {}
    for i in rows:
        groups.setdefault(labels[i], []).append(i)
    return groups


def split_rows(n: int, share: float, random_seed: int, labels: list | None = None) -> tuple[list[int], list[int]]:
    """(training rows, held-out rows). With `labels`, the split is per label, so a rare label has
    held-out rows to be measured on (a label of fewer than 4 rows is all training)."""
    if n < 4:
        return list(range(n)), []
    groups = by_label(range(n), labels if labels is not None else [None] * n)
    rng = random.Random(random_seed)
    train, held = [], []
    for lab in sorted(groups, key=str):
        order = groups[lab]
        rng.shuffle(order)
        k = max(1, round(len(order) * share)) if len(order) >= 4 or labels is None else 0
        held += order[:k]
        train += order[k:]
    return sorted(train), sorted(held)


def balanced_rows(rows: list[int], labels: list, cap: int) -> list[int]:
    """`rows` with each label's rows repeated towards the count of the most common label, at most
    `cap` times each: the adapter learns every label, not the seed's mix (SMS spam, 16% of a
    seed, got 1.7% of an unbalanced adapter's candidates). The cap keeps a handful of rare rows
    from being learnt by heart."""
    groups = by_label(rows, labels)
    most = max((len(g) for g in groups.values()), default=0)
    out = []
    for g in groups.values():
        want = min(most, len(g) * max(1, cap))
        out += [g[j % len(g)] for j in range(want)]
    return sorted(out)


def length_batches(lengths: list[int], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (less padding), in a shuffled order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = size * 16
    batches = []
    for a in range(0, len(order), pool):
        chunk = sorted(order[a : a + pool], key=lengths.__getitem__)
        batches += [chunk[b : b + size] for b in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches


class LoraTrainer:
    """The training state: LoRA-wrapped model, domain head, tokenised rows."""

    def __init__(self, model, tok, texts: list[str], domain: list[str], s):
        import torch
        from peft import LoraConfig, get_peft_model

        from syngen.engine.decode import domain_ids

        torch.manual_seed(s.random_seed)
        self.ids = [tok(t, truncation=True, max_length=s.max_tokens)["input_ids"] for t in texts]
        used = {i for ids in self.ids for i in ids}
        # every training target is in the head; the English core would make it 5x wider for no target
        keep = domain_ids(tok, domain, prompt_ids=used, english=False)
        weight = model.get_output_embeddings().weight.detach()
        self.head = weight.index_select(0, keep).contiguous()
        self.lookup = torch.full((weight.shape[0],), -100, dtype=torch.long)
        self.lookup[keep] = torch.arange(len(keep))
        n_layers = model.config.num_hidden_layers
        top = list(range(n_layers - s.layers, n_layers)) if 0 < s.layers < n_layers else None
        config = LoraConfig(
            r=s.rank, lora_alpha=s.alpha, lora_dropout=0.05, target_modules=TARGETS, layers_to_transform=top
        )
        with warnings.catch_warnings():  # peft asks transformers about a renamed attribute
            warnings.simplefilter("ignore", FutureWarning)
            self.peft = get_peft_model(model, config)
        self.body = self.peft.get_base_model().model  # the decoder without its head
        self.params = [p for p in self.peft.parameters() if p.requires_grad]
        self.pad = tok.pad_token_id if tok.pad_token_id is not None else 0

    def loss(self, rows: list[int]):
        """Mean next-token loss over the rows' real tokens, scored on the domain head."""
        import torch

        seqs = [self.ids[i] for i in rows]
        n = -(-max(len(x) for x in seqs) // PAD_TO) * PAD_TO  # few distinct shapes: memory is reused
        ids = torch.tensor([x + [self.pad] * (n - len(x)) for x in seqs])
        mask = torch.tensor([[1] * len(x) + [0] * (n - len(x)) for x in seqs])
        hidden = self.body(input_ids=ids, attention_mask=mask).last_hidden_state[:, :-1]
        valid = mask[:, 1:].bool()
        logits = hidden[valid] @ self.head.T
        return torch.nn.functional.cross_entropy(logits.float(), self.lookup[ids[:, 1:][valid]]), int(valid.sum())

    def state(self) -> dict:
        return {n: p.detach().clone() for n, p in self.peft.named_parameters() if p.requires_grad}

    def evaluate(self, rows: list[int], size: int) -> float:
        import torch

        total = count = 0.0
        with torch.no_grad():
            for a in range(0, len(rows), size):
                loss, n = self.loss(rows[a : a + size])
                total, count = total + float(loss) * n, count + n
        return total / max(1.0, count)
