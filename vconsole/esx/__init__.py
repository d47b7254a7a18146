"""ESXi shell output parsers and command builders; pure functions, no I/O."""
