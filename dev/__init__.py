"""The local stack: emulator launcher, dev server, demo data. Never deployed."""
