"""``demo_seed [--accounts N] [--seed S]``: the same as ``demo_setup`` (one command, two names)."""

from heed.demo.management.commands.demo_setup import Command

__all__ = ["Command"]
