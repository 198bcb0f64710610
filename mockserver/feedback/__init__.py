"""The Weave feedback world and the two endpoints over it (stats, payload schema)."""
