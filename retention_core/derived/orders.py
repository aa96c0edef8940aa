"""Derived tables of the orders table. None yet."""
