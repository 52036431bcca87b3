"""Helpers that tests load into real programs (a keyring backend for subprocesses)."""
