"""One module per CLI command: ``register(parser)`` adds its options, ``run(args)`` returns the exit code."""
