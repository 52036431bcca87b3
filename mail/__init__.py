"""Mail in and out: parsing, threading, ingest from files and IMAP, and (later) sending.

Nothing here imports Textual; it talks to the store through `storage`.
"""
