"""Tests of the benchmark tooling (bench/)."""
