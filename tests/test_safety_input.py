"""Input the console refuses before anything is sent: link URLs of every item kind, and sizes.

Against the lab's Cloud Director through `vconsole branding set`: each refusal exits 2, names
the item and field, prints no traceback and sends no write.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import test_branding_cli
from tests.test_branding_cli import run, writes
from vconsole.lab.vcd import VcdLab
from vconsole.models.branding import Branding, Capabilities
from vconsole.services.branding_input import check_branding, url_problem
from vconsole.services.branding_limits import NAME_MAX, URL_MAX

lab = test_branding_cli.lab  # the lab's Cloud Director with an own-branded tenant

BAD_URLS = [
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "vbscript:msgbox",
    "http://[::1",
    "http://host:notaport/",
    "http://a\x1b]8;;http://evil\x07.example/",
    "http://a.example/\nSet-Cookie: x",
    "https://a.example/\u202egnp.exe",
    "http://",
    "mailto:nobody",
]
KINDS = [
    {"menuItemType": "link", "name": "Docs"},
    {"menuItemType": "override", "name": "help"},
    {"menuItemType": "section", "name": "Support"},
    {"menuItemType": "separator"},
]


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("item", KINDS, ids=lambda i: i["menuItemType"])
def test_every_item_kind_refuses_a_bad_url(url: str, item: dict) -> None:
    links = [{**item, "url": url}]
    branding = Branding.from_api({"portalName": "P", "customLinks": links})
    errors, _ = check_branding(branding, Capabilities.for_version("37.2"))
    assert [e for e in errors if e.position.startswith("customLinks[0]")], errors
    assert all("\x1b" not in str(e) and "\n" not in str(e) for e in errors)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=60))
def test_url_checks_never_raise_and_accept_only_web_and_mail(url: str) -> None:
    why = url_problem(url)
    if why is None:
        assert url.lower().startswith(("http://", "https://", "mailto:"))
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in url)


def test_a_bad_url_in_a_section_is_refused_with_nothing_sent(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = {
        "customLinks": [
            {"menuItemType": "section", "name": "S", "url": "javascript:alert(1)"},
            {"menuItemType": "link", "name": "L", "url": "http://[::1"},
        ]
    }
    (tmp_path / "b.json").write_text(json.dumps(doc))
    assert run(tmp_path, lab, "branding", "set", str(tmp_path / "b.json"), "--yes") == 2
    err = capsys.readouterr().err
    assert "customLinks[0]" in err and "scheme 'javascript'" in err
    assert "customLinks[1]" in err and "not a valid URL" in err and "Traceback" not in err
    assert writes(lab) == []


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"portalName": "x" * 1_000_000}, "portalName"),
        ({"portalName": "x" * (NAME_MAX + 1)}, "portalName"),
        ({"portalName": "two\nlines"}, "portalName"),
        ({"customLinks": [{"menuItemType": "link", "name": "n" * 300, "url": "https://a.b/"}]},
         "customLinks[0] (item 1) name"),
        ({"customLinks": [{"menuItemType": "link", "name": "n",
                           "url": "https://a.b/" + "p" * URL_MAX}]}, "customLinks[0]"),
        ({"customLinks": [{"menuItemType": "separator"}] * 101}, "customLinks"),
    ],
)  # fmt: skip
def test_oversized_fields_are_refused_with_the_field_named(
    tmp_path: Path, lab: VcdLab, doc: dict, field: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.json").write_text(json.dumps(doc))
    assert run(tmp_path, lab, "branding", "set", str(tmp_path / "b.json"), "--yes") == 2
    err = capsys.readouterr().err
    assert field in err and "nothing was sent" in err
    assert len(err) < 5000  # the value is not echoed back whole
    assert writes(lab) == []


def test_values_at_the_limits_are_written(tmp_path: Path, lab: VcdLab) -> None:
    doc = {
        "portalName": "N" * NAME_MAX,
        "customLinks": [
            {"menuItemType": "link", "name": "L" * NAME_MAX,
             "url": "https://a.example/" + "p" * (URL_MAX - 18)},
        ],
    }  # fmt: skip
    (tmp_path / "b.json").write_text(json.dumps(doc))
    assert run(tmp_path, lab, "branding", "set", str(tmp_path / "b.json"), "--yes") == 0
    assert writes(lab) == ["PUT /cloudapi/branding"]


def bitfusion_capture(path: Path, listing: str) -> Path:
    commands = {
        "bitfusion list_gpus": {"stdout": listing, "stderr": "", "exit": 0},
        "bitfusion smi": {"stdout": "", "stderr": "", "exit": 0},
    }
    path.write_text(json.dumps({"host": "bf-client", "captured_at": "", "commands": commands}))
    return path


@pytest.mark.parametrize(
    "listing",
    ["<html><body>502 Bad Gateway</body></html>\n", "GPU GPU GPU\n\x00\x01", "server 0 gpu 0\n"],
)
def test_garbage_bitfusion_output_is_unrecognised_not_zero_gpus(
    tmp_path: Path,
    listing: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from vconsole.cli import main

    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    capture = bitfusion_capture(tmp_path / "bf.json", listing)
    code = main(["analyze", str(capture), "--pane", "gpu", "--json"])
    [pool] = json.loads(capsys.readouterr().out)["clients"]
    assert (
        pool["error"]["code"] == "unreadable-output" and "not recognised" in pool["error"]["text"]
    )
    assert code == 1
    assert main(["analyze", str(capture), "--pane", "gpu"]) == 1
    assert "0 GPUs" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--save-set", "bad;name"],
        ["--save-set", "../../etc"],
        ["--save-set", "ok", "--netstack", "x$(reboot)"],
    ],
)
def test_mtu_sets_are_checked_when_saved(
    tmp_path: Path, argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_safety_fuzz import run as run_cli

    from vconsole.services.mtu_store import MtuStore

    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    config = tmp_path / "c.toml"
    config.write_text(
        '[[profiles.p.targets]]\nname = "esx-a"\nkind = "esxi"\naddress = "127.0.0.1"\n'
        'port = 1\nuser = "root"\n'
    )
    base = ["--config", str(config), "mtu", "--host", "esx-a", "--vmk", "vmk0"]
    code, err = run_cli([*base, "--target", "10.0.0.1", *argv])
    assert code == 2 and "not accepted" in err and "Traceback" not in err
    assert MtuStore(tmp_path / "state").sets() == []
