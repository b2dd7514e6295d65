"""Curated corpus of RFE/RL, Jamestown and Eurasianet articles on Tajik-Russian relations."""

PIPELINE_VERSION = "0.1.0"
