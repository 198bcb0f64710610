"""``mockserver check``: the bundled contracts and the data rules, run against any implementation."""
