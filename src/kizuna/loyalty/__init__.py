"""Reward: the loyalty programme (points ledger, tiers, rewards, badges); see ``api``."""
