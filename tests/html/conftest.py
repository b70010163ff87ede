"""Headless Chromium for the HTML report's browser tests (tox -e html; Debian's chromium and chromium-driver)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest


def _binary(variable: str, *names: str) -> str | None:
    given = os.environ.get(variable)
    if given:
        return given
    return next((found for name in names if (found := shutil.which(name))), None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium that logs every network event (``goog:loggingPrefs``) and console message."""
    chromium = _binary("CHROMIUM", "chromium", "chromium-browser", "google-chrome")
    driver_path = _binary("CHROMEDRIVER", "chromedriver")
    if chromium is None or driver_path is None:
        pytest.fail("the HTML report's browser tests need Chromium and its driver: apt-get install chromium "
                    "chromium-driver (or set CHROMIUM and CHROMEDRIVER)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1400", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    options.add_experimental_option("perfLoggingPrefs", {"enableNetwork": True, "enablePage": False})
    # An explicit driver: Selenium Manager never looks for (or downloads) one.
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
