"""The pure core: integer money, the ledger and the rules of each product area.

Nothing in this package performs I/O or imports google.*, stripe or flask; a unit test enforces it.

Immutable records are `typing.NamedTuple`s (changed with `_replace`); a record that validates
itself on construction (`__post_init__`) stays a frozen dataclass, and mutable working state a
plain dataclass. Why not frozen dataclasses throughout: defining one compiles six generated
methods, about 1.2 ms of a cold start's CPU each on the bench machine, and a
cold start defines every record its entry point's modules name (bench/cold_start.py); a
NamedTuple costs about a tenth of that.
"""
