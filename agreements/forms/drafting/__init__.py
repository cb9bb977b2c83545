"""Drafting forms, one module per section: input validation and their crispy layouts."""
