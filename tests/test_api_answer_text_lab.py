"""Answers through vCenter on the lab: the text a capture, a transcript and a replay show is the
records as indented JSON, character for character as when the text was made with every answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hosts_api_helpers import LAB_MARKS, lab_toml_fixture
from sessions_helpers import make_manager

from vconsole.config import TargetConfig

pytestmark = LAB_MARKS


def _scenario() -> Any:
    from vconsole.lab.scenario import default_scenario

    return default_scenario()


lab = lab_toml_fixture(_scenario, "answer-text-lab", "lab")


def as_before(records: list[Any]) -> str:
    """The text as it was made for every answer: the standard library's indented dump."""
    return json.dumps(records, indent=1, sort_keys=True)


async def test_capture_transcript_and_replay_show_the_records_text_as_before(
    lab: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    from vconsole.config import load_config
    from vconsole.services.lacp import LacpService
    from vconsole.sessions.capture import CAPTURE_COMMANDS, capture_host, write_capture
    from vconsole.sessions.discovery import discover_profile
    from vconsole.sessions.manager import SessionManager

    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    manager = SessionManager(load_config(lab).profile("lab-vcenter"))
    try:
        await discover_profile(manager)
        capture = await capture_host(manager, "esx-akl-01")
        service = LacpService(manager, ["esx-akl-01"])
        await service.refresh()
        transcript = service.transcript("esx-akl-01")
    finally:
        await manager.close()
    through_api = {
        line: entry for line, entry in capture["commands"].items() if entry.get("via") == "api"
    }
    assert set(through_api) == {c.line for c in CAPTURE_COMMANDS}
    for line, entry in through_api.items():
        expected = "" if entry["fault"] else as_before(entry["records"])
        assert entry["stdout"] == expected, line
    status = through_api["esxcli network vswitch dvs vmware lacp status get"]
    assert status["records"] and as_before(status["records"]) in transcript

    path = write_capture(tmp_path / "esx-akl-01.json", capture)
    replay = make_manager(tmp_path, [TargetConfig(name="offline", kind="replay", file=str(path))])
    try:
        for command in CAPTURE_COMMANDS:
            held = through_api[command.line]
            answered = await replay.run("offline", command)
            assert (answered.stdout, answered.exit) == (held["stdout"], held["exit"])
            assert list(getattr(answered, "records", ())) == held["records"], command.line
    finally:
        await replay.close()
