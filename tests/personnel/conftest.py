"""What the personnel tests share: a clock the rules and the events read (``timezone.localdate``)."""
import datetime as dt

import pytest

TODAY = dt.date(2026, 12, 2)


@pytest.fixture
def clock(monkeypatch):
    """Today is ``Clock.day`` (TODAY unless a test moves it) for the rules (dates that have
    happened) and the events alike."""
    from django.utils import timezone

    class Clock:
        day = TODAY

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: Clock.day)
    return Clock
