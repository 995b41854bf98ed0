"""Bad flags and unusable settings end `vidforge-runner` with exit code 2 and a message that names
the problem, before any network call; the console script is installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vidforge_runner.cli import main

BASE = ["--server", "http://127.0.0.1:9", "--token", "vfr_x", "--family", "ltx2"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--family", "ltx2", "--model", "m"], "--server"),
        ([*BASE, "--model", "m", "--steps", "0"], "must be at least 1"),
        ([*BASE, "--model", "m", "--steps", "many"], "expected a whole number"),
        ([*BASE, "--model", "m", "--operations", "generate,dance"], "operations are a comma list"),
        ([*BASE, "--model", "m", "--dtype", "int4"], "invalid choice"),
        (["--server", "s", "--family", "wan9", "--model", "m"], "invalid choice"),
    ],
)
def test_bad_flags_exit_2_with_a_message(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--server", "ftp://x", "--token", "vfr_x", "--family", "ltx2", "--model", "m"], "absolute http(s) URL"),
        (["--server", "http://127.0.0.1:9", "--family", "ltx2", "--model", "m"], "token is required"),
        ([*BASE, "--model", "m", "--claim-wait-ms", "40000"], "at most 30000"),
    ],
)
def test_unusable_settings_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIDFORGE_RUNNER_TOKEN", raising=False)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_weights_that_cannot_be_loaded_exit_2(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert main([*BASE, "--model", str(tmp_path / "missing"), "--device", "cpu", "--dtype", "fp32"]) == 2
    assert "could not load LTX-2 weights" in caplog.text


def test_a_device_this_machine_lacks_exits_2(tiny_model: Path, caplog: pytest.LogCaptureFixture) -> None:
    if __import__("torch").cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert main([*BASE, "--model", str(tiny_model), "--device", "cuda:0"]) == 2
    assert "CUDA is not available" in caplog.text


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "vidforge-runner"
    assert script.exists() or shutil.which("vidforge-runner")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and "--family" in result.stdout
