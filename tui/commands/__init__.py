"""Subcommands of `frontdesk` that need more room than `tui/cli.py` gives them."""
