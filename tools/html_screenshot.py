"""Write docs/html-report.png, the README's picture of the HTML compliance report, from the terraform_json example.

    python tools/html_screenshot.py              # needs selenium, Chromium and chromedriver
    python tools/html_screenshot.py --out x.png --width 1200 --height 900

The example runs from a temporary copy (``pytest --iac-source cdktf.out``; its pytest.ini sets ``iac_html``),
so the picture always shows what the current code renders.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "terraform_json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "html-report.png")
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args(argv)

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copytree(EXAMPLE / "cdktf.out", work / "cdktf.out")
        shutil.copy(EXAMPLE / "pytest.ini", work / "pytest.ini")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--iac-source", "cdktf.out"],
                       cwd=work, env=env, stdout=subprocess.DEVNULL, check=False)
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("CHROMIUM") or shutil.which("chromium") or "chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                         f"--window-size={args.width},{args.height}", "--force-device-scale-factor=1"):
            options.add_argument(argument)
        driver_path = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "chromedriver"
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        try:
            driver.get((work / "compliance-report.html").as_uri())
            args.out.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(args.out))
        finally:
            driver.quit()
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
