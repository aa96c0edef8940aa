"""Derived tables of the events table (funnel). None yet."""
