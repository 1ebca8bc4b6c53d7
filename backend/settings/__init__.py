"""Settings package: ``base`` (shared), ``local`` (development, the default of manage.py),
``test`` (pytest) and ``production``. Every value that varies between machines is read in
``env.py`` and nowhere else."""
