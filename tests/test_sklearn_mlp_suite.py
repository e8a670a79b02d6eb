"""scikit-learn's own MLP tests, run against deepstep's MLPClassifier and MLPRegressor.

The installed scikit-learn ships ``sklearn/neural_network/tests/test_mlp.py``;
this test copies it into a temporary folder with one line changed (the import
of the two classes now names deepstep's) and runs it with pytest in a
subprocess. Every test must pass but those that call scikit-learn's private
methods, which a drop-in does not have (``PRIVATE``). The file is read from the
installed package, never copied into this repository, so it follows whatever
scikit-learn version the environment has.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

sklearn = pytest.importorskip("sklearn")

SOURCE = Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
#: Tests of scikit-learn internals: ``test_gradient`` calls ``_loss_grad_lbfgs``.
PRIVATE = ("test_gradient",)

# scikit-learn's own conftest provides this fixture (its default seed is 42).
CONFTEST = '''
import pytest

@pytest.fixture(params=[42])
def global_random_seed(request):
    return request.param
'''


@pytest.mark.skipif(not SOURCE.exists(), reason="scikit-learn installed without its tests")
def test_scikit_learns_mlp_tests_pass_on_deepsteps_classes(tmp_path: Path) -> None:
    text = SOURCE.read_text()
    assert re.search(rf"^{re.escape(IMPORT)}$", text, flags=re.M), (
        "scikit-learn's test_mlp.py no longer imports the classes in one line; "
        "update IMPORT")
    text = re.sub(rf"^{re.escape(IMPORT)}$", "from deepstep import MLPClassifier, MLPRegressor",
                  text, flags=re.M)
    (tmp_path / "test_sklearn_mlp.py").write_text(text)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    report = tmp_path / "report.xml"
    deselect = [f"--deselect=test_sklearn_mlp.py::{name}" for name in PRIVATE]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         f"--junitxml={report}", *deselect, "test_sklearn_mlp.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    cases = ET.parse(report).getroot().iter("testcase")
    failed = [c.get("name") for c in cases
              if c.find("failure") is not None or c.find("error") is not None]
    assert failed == [], run.stdout[-4000:]
    assert run.returncode == 0, run.stdout[-4000:]
    passed = re.search(r"(\d+) passed", run.stdout)
    assert passed and int(passed.group(1)) >= 50, run.stdout[-2000:]
