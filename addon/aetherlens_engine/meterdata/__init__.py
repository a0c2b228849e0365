"""Utility interval data: a utility's own meter readings and billed amounts, imported.

Green Button (ESPI) files and CSV exports are read into one model (`intervals`) and stored as
the readings of a meter of the household (`store`), marked with their source.
"""
