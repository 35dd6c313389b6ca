"""The discrete-event model: one module per sub-model, wired in world.py."""
