"""The local stack's data kept between `make dev` runs, in one git-ignored folder.

The folder is $MINTBOOK_DATA_DIR, default `.dev-data/` at the repository root:
- `firestore/<export>/`: the emulator's export from the last clean stop, loaded at the next start;
- `localstripe.pickle`: localstripe's store (the PaymentIntents of purchases), written on every
  change, so a purchase made before a restart can still be paid after it;
- `auth/`: the Auth emulator's accounts (with their passwords, custom claims and disabled
  flags) from the last clean stop, loaded at the next start, so who signed up can sign in again.

Guarantees:
- `save(emulator)` exports into a new folder and only then puts it in place of the previous
  export (renames), so an export that fails or is interrupted leaves the last good one.
- `firestore_export()` is the export to load at start, or None when nothing is kept yet;
  `auth_export()` the same for the Auth emulator, and `save_auth(auth)` replaces it the same way.
- `clear()` removes everything kept (`make dev-reset`).
- Nothing touches the disk until a method is called.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from dev.auth_emulator import AuthEmulator, exported
from dev.emulator import FirestoreEmulator

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = REPO_ROOT / ".dev-data"


@dataclass(frozen=True)
class KeptData:
    folder: Path

    @classmethod
    def from_environment(cls) -> KeptData:
        return cls(Path(os.environ.get("MINTBOOK_DATA_DIR") or DEFAULT_FOLDER).resolve())

    @property
    def firestore(self) -> Path:
        return self.folder / "firestore"

    @property
    def auth(self) -> Path:
        return self.folder / "auth"

    @property
    def localstripe_file(self) -> Path:
        return self.folder / "localstripe.pickle"

    def display(self) -> str:
        """The folder as a user would type it: relative to the repository when inside it."""
        try:
            return str(self.folder.relative_to(REPO_ROOT)) + "/"
        except ValueError:
            return str(self.folder) + "/"

    def firestore_export(self) -> Path | None:
        found = sorted(self.firestore.glob("*/*.overall_export_metadata"))
        return found[-1] if found else None

    def auth_export(self) -> Path | None:
        return self.auth if exported(self.auth) else None

    def prepare(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def save(self, emulator: FirestoreEmulator) -> Path:
        """Export the emulator's documents in place of the kept ones; the new export's file."""
        return self._replace(self.firestore, "firestore", emulator.export)

    def save_auth(self, auth: AuthEmulator) -> Path:
        """Export the Auth emulator's accounts in place of the kept ones."""
        self._replace(self.auth, "auth", auth.export)
        return self.auth

    def _replace(self, kept: Path, name: str, export: Callable[[Path], object]) -> Path:
        """Export into a partial folder, then swap it in for `kept`: a failed export leaves the
        previous one. Returns where the export's own answer (a path in it) now lives."""
        partial = self.folder / f"{name}.{os.getpid()}.partial"
        previous = self.folder / f"{name}.{os.getpid()}.previous"
        shutil.rmtree(partial, ignore_errors=True)
        try:
            answer = export(partial)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        if kept.exists():
            os.replace(kept, previous)
        os.replace(partial, kept)
        shutil.rmtree(previous, ignore_errors=True)
        return kept / answer.relative_to(partial) if isinstance(answer, Path) else kept

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
