"""Presentation: figures, tables and reports. Reads results; never runs model logic."""
