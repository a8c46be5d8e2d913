"""The seeded randomized simulation (dev/simulation.py) at a small size against the test stack:
purchases through signed webhooks with duplicates and refunds, commits and resolutions, orders
and cancels, swaps, transfers, fees and rewards, with a retried call, an aborted webhook
transaction and a killed sequencer; it must end with no finding and a clean reconciliation.
Any size by hand: `python -m dev.simulation --seed N --steps M`."""
from __future__ import annotations

import os

from dev.simulation import Simulation
from tests.support.stack import wipe

STEPS = int(os.environ.get("MINTBOOK_SIM_STEPS", "200"))
SEED = int(os.environ.get("MINTBOOK_SIM_SEED", "20261122"))


def test_a_seeded_simulation_with_faults_ends_reconciled(stack, emulator):
    from shared.services.bootstrap import ensure_platform

    wipe(emulator, stack)
    ensure_platform()
    result = Simulation(stack.url, emulator.project, SEED).run(STEPS)
    outcomes = result["outcomes"]
    assert result["findings"] == [], result["findings"]
    assert result["reconciliation"]["ok"], result["reconciliation"]["drift"]
    # the faults really happened: duplicates delivered, a sequencer killed, calls retried
    assert outcomes.get("stripe_webhook 200", 0) > 0 and outcomes.get("pay_reward 200", 0) > 0
    assert any(line.startswith("sequencer killed") for line in outcomes), outcomes
    assert result["ok"]
