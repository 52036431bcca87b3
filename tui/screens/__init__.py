"""The app's screens, one a file: queue (home), conversation, search, help, and the small
pickers (jump, choices for snooze/assign/tag)."""
