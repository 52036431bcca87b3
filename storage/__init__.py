"""The local store: one SQLite file holding conversations, messages, raw mail and sync state.

Nothing here touches the network or the screen; queries return frozen dataclasses.
"""
