"""What leaves the machine. A prompt shows the model seed rows; for a backend outside this
process (a server, a cloud service) those rows carry no seed person: personal columns hold fresh
values and texts are scrubbed of emails, phone numbers, links and seed people's names and
@handles, by the rules the output follows (syngen.plan.people). `share_seed_people` keeps the
seed's values, for a service the user owns.

Only what prompts are built from changes (the seed's rows and a target's exemplars and close
rows); the gates, the copy check and the report still compare with the real seed."""

from __future__ import annotations

from dataclasses import replace

from syngen.backends import Backend
from syngen.generate.config import RunConfig
from syngen.plan.people import PeopleMask
from syngen.plan.target import Target
from syngen.seed.prepared import Seed
from syngen.seed.schema import Role


def for_prompts(seed: Seed, target: Target | None, config: RunConfig, in_process: bool):
    """(seed, target) as a run's prompts may show them: as they are for a backend in this process
    (the embedded model) or when the user shares seed people on purpose, else without the seed's
    people."""
    if in_process or config.share_seed_people:
        return seed, target
    mask = PeopleMask(seed.df, seed.schema, config.random_seed)
    shown = replace(seed, df=mask.frame(seed.df))
    if target is not None:
        target = replace(
            target,
            pool=None if target.pool is None else mask.frame(target.pool),
            contrast=[mask.row(r) for r in target.contrast],
            chosen=[mask.row(r) for r in target.chosen],
        )
    return shown, target


def outbound_words(seed: Seed, config: RunConfig, backend: Backend) -> str | None:
    """One line for the CLI and the Backend page: what prompts carry and where they go (None for
    the embedded model)."""
    if backend.in_process:
        return None
    rows = f"up to {config.k} seed rows per prompt as examples"
    if config.share_seed_people:
        what = "with the seed's own names, handles, emails and phone numbers (share_seed_people is on)"
    elif seed.schema.by_role(Role.PERSONAL, Role.TEXT, Role.SHORT_TEXT):
        what = (
            "with fresh values in personal columns and texts scrubbed of emails, phone numbers, links "
            "and seed people's names and handles"
        )
    else:
        what = "(the seed has no personal columns and no text)"
    return f"prompts go to {backend.destination} ({backend.name}): {rows}, {what}"
