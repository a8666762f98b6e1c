"""Experiments: stable assignment with holdouts, uplift statistics and PDCA records."""
