"""Configuration: exactly DESIGN §3's variables; a bad value stops start-up with one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults(tmp_path):
    s = load_settings({"DATA_DIR": str(tmp_path)})
    assert s.sandbox
    assert s.BOT_API_URL == "https://api.telegram.org/bot"
    assert s.BOT_API_FILE_URL == "https://api.telegram.org/file/bot"
    assert s.database_url.startswith("sqlite+aiosqlite:///") and str(tmp_path) in s.database_url
    assert s.public_base_url == "http://127.0.0.1:8080"
    assert (s.EMERGENCY_NUMBER, s.TURNAROUND_DAYS, s.DEFAULT_LANGUAGE, s.DEFAULT_TIMEZONE) == (
        "115", 7, "en", "Asia/Ho_Chi_Minh")
    assert s.COORDINATOR_IDS == () and s.COORDINATOR_CHAT_ID is None


def test_values_are_parsed(tmp_path):
    s = load_settings({"DATA_DIR": str(tmp_path), "COORDINATOR_IDS": "1, 22,333",
                       "COORDINATOR_CHAT_ID": "-1001", "WEBHOOK_URL": "https://x.org/hook/abc",
                       "WEBHOOK_SECRET": "s3cret_-", "PUBLIC_BASE_URL": "https://bot.example/"})
    assert s.coordinator_ids == {1, 22, 333}
    assert s.COORDINATOR_CHAT_ID == -1001
    assert s.webhook_path == "/hook/abc"
    assert s.public_base_url == "https://bot.example"


@pytest.mark.parametrize(("env", "variable"), [
    ({"WEBHOOK_URL": "https://x.org/hook"}, "WEBHOOK_SECRET"),
    ({"WEBHOOK_SECRET": "abc"}, "WEBHOOK_URL"),
    ({"COORDINATOR_IDS": "12,abc"}, "COORDINATOR_IDS"),
    ({"DATABASE_URL": "mysql://root@localhost/db"}, "DATABASE_URL"),
    ({"WEB_PORT": "seventy"}, "WEB_PORT"),
    ({"DEFAULT_LANGUAGE": "fr"}, "DEFAULT_LANGUAGE"),
    ({"DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE"),
    ({"ENCRYPTION_KEYS": "not-base64!"}, "ENCRYPTION_KEYS"),
    ({"TURNAROUND_DAYS": "0"}, "TURNAROUND_DAYS"),
])
def test_bad_values_name_the_variable(tmp_path, env, variable):
    with pytest.raises(ConfigError) as info:
        load_settings({"DATA_DIR": str(tmp_path), **env})
    assert str(info.value).startswith(variable)
    assert "\n" not in str(info.value)


def test_unwritable_data_dir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match=r"^DATA_DIR"):
        load_settings({"DATA_DIR": str(blocker / "sub")})


def _run_bot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=full, cwd=env["DATA_DIR"],
                          capture_output=True, text=True, timeout=60, check=False)


def test_python_m_bot_bad_config_exits_2_with_one_line(tmp_path):
    proc = _run_bot({"DATA_DIR": str(tmp_path), "WEBHOOK_URL": "https://x.org/h",
                     "BOT_TOKEN": "1:x"})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "WEBHOOK_SECRET" in lines[0]
    assert "Traceback" not in proc.stderr


def test_python_m_bot_migrate_only_migrates(tmp_path):
    proc = _run_bot({"DATA_DIR": str(tmp_path)}, "migrate")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "bot.sqlite3").exists()


def test_env_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("EMERGENCY_NUMBER=999\nCOORDINATOR_IDS=5\n")
    code = ("from bot.config import load_settings; s = load_settings(); "
            "print(s.EMERGENCY_NUMBER, s.COORDINATOR_IDS)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, check=False, timeout=60,
                          env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
                               "DATA_DIR": str(tmp_path)})
    assert proc.stdout.split() == ["999", "(5,)"], proc.stderr
