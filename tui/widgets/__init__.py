"""Widgets shared by the screens: the queue table and navigation, the thread, the composer,
the customer panel, the status bar."""
