"""The pure core: integer money, the ledger and the rules of each product area.

Nothing in this package performs I/O or imports google.*, stripe or flask; a unit test enforces it.
"""
