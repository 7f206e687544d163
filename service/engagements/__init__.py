"""Engagements: one municipality's consultation, its state, history and deadlines."""
