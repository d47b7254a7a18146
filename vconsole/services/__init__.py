"""One service per pane: fetches through the session manager, then parses and judges."""
