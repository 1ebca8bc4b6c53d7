"""The demo city (``manage.py seed_demo``): the top layer, which every other app may be called by
and none imports (``.importlinter``). The entry points are in ``demo.builder``."""
