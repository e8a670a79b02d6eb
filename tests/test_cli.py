"""The deepstep command."""

import subprocess
import sys

from deepstep.cli import main


def test_demo_trains_and_reports(capsys):
    assert main(["demo", "--iterations", "300"]) == 0
    out = capsys.readouterr().out
    costs = [float(line.split(":")[1]) for line in out.splitlines() if line.startswith("cost")]
    assert len(costs) >= 3 and costs[-1] < costs[0] / 2
    assert "gradient check" in out and "training accuracy" in out


def test_console_script_help_runs():
    result = subprocess.run([sys.executable, "-m", "deepstep", "demo", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--iterations" in result.stdout
