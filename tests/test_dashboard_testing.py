"""The browser-test helpers say clearly why real-browser tests are skipped."""

from __future__ import annotations

import builtins

from challengelab.dashboard import testing


def test_skip_reason_without_chromium(monkeypatch):
    monkeypatch.setattr(testing, "chromium_path", lambda: None)
    reason = testing.browser_skip_reason()
    assert reason and "Chromium is not installed" in reason


def test_skip_reason_without_playwright(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("playwright"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    reason = testing.browser_skip_reason()
    assert reason and "playwright" in reason and "never `playwright install`" in reason


def test_free_port_is_usable():
    assert 1024 < testing.free_port() < 65536
