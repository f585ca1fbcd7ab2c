"""Label rendering, render only: frozen data in (`data`), PDF bytes (`pdf`) or ZPL text (`zpl`) out.

Nothing here reads the database or a printer; the label station loads rows, builds the data and
queues what these functions return.
"""
