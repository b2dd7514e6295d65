"""Helpers shared by the tests: inputs, runners, local mirrors, the seed checks."""
