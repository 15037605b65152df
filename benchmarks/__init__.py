"""Benchmarks of npseq2seq against the Keras reference: ``python -m benchmarks.run [--quick]``."""
