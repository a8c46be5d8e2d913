"""The big-market bench's path at 2,000 forecasters (`python -m bench.big_market`, 50,000 by
default, runs the same): seeded, resolved through the real functions on a counted stack of its
own, settled with every notification and badge, the market's accounts exact before and after."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_market_of_2000_forecasters_settles_within_firestores_limits_and_adds_up():
    # when the bench runs its market of 2,000 forecasters (its own emulator and dev server)
    run = subprocess.run([sys.executable, "-m", "bench.big_market", "--forecasters", "2000",
                          "--followers", "500"], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    last = run.stdout.strip().splitlines()[-1]
    fields = dict(re.findall(r"(\w+)=(\S+)", last))
    # then it was resolved and settled, every commit within 500 writes and 5 MiB, no document
    # written more than twice in a second, and every account as the plan says
    assert (fields["forecasters"], fields["resolved"], fields["settled"]) == ("2000", "yes", "yes"), \
        run.stderr[-3000:]
    assert int(fields["max_writes_per_txn"]) <= 500 and float(fields["max_txn_mib"]) <= 5
    assert int(fields["busiest_doc_writes_per_s"]) <= 2, run.stderr[-2000:]
    assert fields["drift"] == "0", run.stderr[-3000:]
