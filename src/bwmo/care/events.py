"""What care tells the rest of bwmo: its domain events.

Care's services are the only writers of indications, stays and outflow. Other apps react to
those changes without care knowing them: an app connects a receiver in its
``AppConfig.ready()``, and the service that made the change sends the event inside its own
transaction. A receiver that fails rolls the change back with it; nothing is sent after the
commit. Receivers are called in the order they were connected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Receiver = Callable[..., Any]


class Event:
    """A named event with its receivers (each receiver takes the event's keyword arguments)."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc
        self._receivers: list[Receiver] = []

    def connect(self, receiver: Receiver) -> Receiver:
        """Add a receiver (once: connecting the same function again changes nothing)."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Receiver) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    def send(self, **kwargs: Any) -> None:
        for receiver in list(self._receivers):
            receiver(**kwargs)


indication_changed = Event(
    "indication_changed",
    """An indication was granted, or its period changed (an end date set, moved or taken
    back). Keyword arguments: ``indication`` (as written), ``reason_change`` (the WMO002
    reason of a change, "" for a new indication) and ``now`` (the moment, or None).""",
)


indications_responsibility_changed = Event(
    "indications_responsibility_changed",
    """The responsible municipality of indications changed (the woonplaats rules decided
    their cases again). Sent once for the whole batch, after the rows were written. Keyword
    argument: ``changes``, indication id → (the municipality before, the one now), CBS
    codes; only indications whose municipality actually changed are in it.""",
)
