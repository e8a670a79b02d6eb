"""The report, opened in a real browser: headless Chromium (Debian's ``chromium`` package).

Chromium is driven through the DevTools protocol over ``--remote-debugging-pipe``
(JSON messages ending in NUL on file descriptors 3 and 4), with the standard
library only. Every request other than the page itself (``file:``) and its
embedded images (``data:``) is both recorded and blocked: the browser's proxy is
a closed port and every host name resolves to nothing. Control pages that do
fetch, log an error and fail to decode an image prove the checks can fail.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

import deepstep
from deepstep import datasets
from report_fakes import MARKUP, fake_statistics, use_fakes

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)),
                None)
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get "
                       "install chromium; .ci/run installs it): the report is not opened in a "
                       "browser"),
    pytest.mark.xdist_group("chromium"),  # one browser at a time on a 2-core machine
]

INSPECT = """JSON.stringify({
  images: Array.from(document.images).map(i => ({complete: i.complete, width: i.naturalWidth,
                                                   data: i.src.startsWith('data:image/png')})),
  references: Array.from(document.querySelectorAll('[src],[href]'))
      .map(e => e.getAttribute('src') || e.getAttribute('href'))
      .filter(u => !u.startsWith('data:')),
  scripts: document.scripts.length,
  sections: Array.from(document.querySelectorAll('section')).map(s => s.id),
  text: document.body.innerText})"""


class Chromium:
    """A headless Chromium and one page, spoken to through the DevTools protocol."""

    def __init__(self, profile: Path) -> None:
        to_chrome, from_chrome = os.pipe(), os.pipe()
        # above 2 and 4, so that moving them to 3 and 4 in the child cannot clobber one
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (*to_chrome, *from_chrome)]
        for fd in (*to_chrome, *from_chrome):
            os.close(fd)
        child_in, self._write, self._read, child_out = high

        def move_fds() -> None:
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
             "--remote-debugging-pipe", f"--user-data-dir={profile}",
             "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
             "--disable-background-networking", "--disable-component-update",
             "--window-size=1100,900", "about:blank"],
            pass_fds=(3, 4), preexec_fn=move_fds, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(child_in)
        os.close(child_out)
        self._buffer = b""
        self._id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable", session=True)

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._read, 1 << 16)
            if not chunk:
                raise ConnectionError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def open(self, url: str) -> dict:
        """Load ``url``; the page's facts (INSPECT) and the events seen while loading."""
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + 60
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._receive(deadline))
        value = self.call("Runtime.evaluate", session=True, expression=INSPECT,
                          returnByValue=True)["result"]["value"]
        return {**json.loads(value), "errors": self.errors(), "fetched": self.fetched(),
                "dialogs": [e for e in self.events
                            if e.get("method") == "Page.javascriptDialogOpening"]}

    def errors(self) -> list[str]:
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(str(params.get("args")))
            elif method == "Runtime.exceptionThrown":
                found.append(str(params.get("exceptionDetails")))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(params["entry"].get("text", ""))
        return found

    def fetched(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"
                and not e["params"]["request"]["url"].startswith(("file:", "data:"))]

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (OSError, RuntimeError, TimeoutError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._write)
        os.close(self._read)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


@pytest.fixture(autouse=True)
def _fakes(monkeypatch):
    use_fakes(monkeypatch)


def test_the_image_report_loads_cleanly_in_chromium(browser, tmp_path):
    data = datasets.load_digits_binary()
    X, Xt = datasets.images_to_matrix(data.train_x), datasets.images_to_matrix(data.test_x)
    model = deepstep.DNNClassifier(hidden_layer_sizes=(8, 4), max_iter=20, tol=None,
                                   random_state=0).fit(X, data.train_y)
    out = deepstep.report(model, X, data.train_y, X_test=Xt, y_test=data.test_y,
                          statistics=fake_statistics(3), out=tmp_path / "r.html",
                          image_shape=(8, 8, 1), class_names=[MARKUP, "odd"])
    page = browser.open(out.as_uri())
    assert page["errors"] == [] and page["fetched"] == [] and page["dialogs"] == []
    assert page["references"] == [] and page["scripts"] == 0
    assert len(page["images"]) == 6
    assert all(i["data"] and i["complete"] and i["width"] > 0 for i in page["images"])
    assert page["sections"] == ["checks", "network", "cost", "layers", "confusion",
                                "mislabelled", "weights"]
    assert MARKUP in page["text"]  # shown as text, never run


def test_the_2d_report_loads_cleanly_in_chromium(browser, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    model = deepstep.DNNClassifier(hidden_layer_sizes=(6,), max_iter=30, tol=None,
                                   random_state=0).fit(X, y)
    page = browser.open(deepstep.report(model, X, y, out=tmp_path / "r.html").as_uri())
    assert page["errors"] == [] and page["fetched"] == []
    assert "boundary" in page["sections"]
    assert page["images"] and all(i["width"] > 0 for i in page["images"])


def test_the_checks_catch_a_page_that_fetches_logs_or_breaks(browser, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><body><img src="http://report.invalid/x.png">'
                   '<img src="data:image/png;base64,iVBORw0KGgoAAAA=">'
                   "<script>console.error('broken')</script></body></html>")
    page = browser.open(bad.as_uri())
    assert any(url.startswith("http://report.invalid/") for url in page["fetched"])
    assert any("broken" in e for e in page["errors"])
    assert [i["width"] for i in page["images"]] == [0, 0]
    assert page["references"] == ["http://report.invalid/x.png"] and page["scripts"] == 1
