"""The functional core: rules that decide responsibility, deadlines and money.

Nothing in this package imports Django; plain dataclasses in, plain dataclasses out.
"""
