"""One module per command group; each exposes `register(subparsers)` and keeps imports light."""
