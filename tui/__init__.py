"""The terminal face of frontdesk: the `frontdesk` command and its Textual app."""
