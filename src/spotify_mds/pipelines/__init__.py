"""Pipelines: each a package declaring what it brings to the core (its sources and schema, ...).

A pipeline imports the core only, never another pipeline.
"""
