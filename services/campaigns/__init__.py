"""Campaigns: a creator's marketing pushes, each with its platforms, budget and dates."""
