"""The monitor's figures are one package of modules; every public name is importable from it."""

import importlib

import pytest

from bwmo.rules import monitor

MODULES = ("stays", "flow", "care_episodes", "leadtimes", "origin")


def test_every_exported_name_resolves():
    assert len(set(monitor.__all__)) == len(monitor.__all__)
    for name in monitor.__all__:
        assert getattr(monitor, name, None) is not None, name


@pytest.mark.parametrize("module", MODULES)
def test_each_module_s_public_names_are_exported_by_the_package(module):
    submodule = importlib.import_module(f"bwmo.rules.monitor.{module}")
    for name in submodule.__all__:
        assert name in monitor.__all__, f"{module}.{name}"
        assert getattr(monitor, name) is getattr(submodule, name), f"{module}.{name}"


def test_episodes_is_the_function_not_a_module():
    # The episodes live in ``care_episodes``, so the package's ``episodes`` stays the function.
    assert callable(monitor.episodes)
    assert monitor.episodes.__module__ == "bwmo.rules.monitor.care_episodes"
