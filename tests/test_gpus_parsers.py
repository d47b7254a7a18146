"""Parsers of the bitfusion client's output: reference [V] texts exactly, [R] shapes loosely,
and arbitrary text without a crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.esx.bitfusion import (
    READ_COMMANDS,
    parse_health,
    parse_list_gpus,
    parse_log,
    parse_smi,
    parse_version,
    server_key,
)

# bitfusion-cli.md §2 [V]: as the README prints §6.1 (the Error: on the WARN line) ...
CLAIM_DEADLINE_V = (
    "[INFO] 2021-03-29T01:05:36Z Query server 10.117.32.156:56001 to claim host id: "
    "012b965d-93b8-465f-97eb-eaba51bc3599\n"
    "[WARN] 2021-03-29T01:05:37Z Error contacting server 10.117.32.156:56001 to verify client "
    "id: Get https://10.117.32.156:56001/claim_id: context deadline exceeded Error: none of the "
    "servers responded correctly to client id claim requests.\n"
)
# ... §6.2 servers.conf unreadable ...
SERVERS_CONF_V = (
    "[INFO] 2021-03-29T01:05:36Z Query server health status\n"
    "[WARN] 2021-03-29T01:05:37Z Failed to parse /root/.bitfusion/servers.conf: open "
    "/root/.bitfusion/servers.conf: read-only file system\n"
    "Error: none of the servers responded correctly to client id claim requests.\n"
)
# ... and §6.3 with the source's OCR dashes, missing colon and `claim id` typo kept.
TIMEOUT_OCR_V = (
    "[INFO] 2021—09—22T11:24:04Z Query server 10.117.32.156:56001 to claim host id: "
    "1a722830—1d27—4ee9—ac0b-f77c19fb189c\n"
    "[WARN] 2021—09—22T11:2405Z Error contacting server 10.117.32.156:56001 to verify client id: "
    "Get https://10.117.32.156:56001/claim id: dial tcp 10.117.32.156:56001: i/o timeout\n"
    "Error: none of the servers responded correctly to client id claim requests.\n"
)
# bitfusion-cli.md §1.3 [R] shape
LIST_GPUS_R = """\
 - server 0 [10.117.32.177:56001]: running 0 tasks
   |- GPU 0: free memory 16160 MiB / 16160 MiB
   |- GPU 1: free memory 8080 MiB / 16160 MiB
 - server 1 [10.117.32.178:56001]: running 1 tasks
   |- GPU 0: free memory 0 MiB / 16160 MiB
"""


def test_claim_error_on_the_warn_line_is_split_off():
    log = parse_log(CLAIM_DEADLINE_V)
    assert log.claimed == ("10.117.32.156:56001",)
    [failure] = log.claim_failures
    assert failure.address == "10.117.32.156:56001"
    assert failure.reason == "Get https://10.117.32.156:56001/claim_id: context deadline exceeded"
    assert log.claim_failed
    assert log.error == "none of the servers responded correctly to client id claim requests."


def test_unreadable_servers_conf_is_a_config_error():
    log = parse_log(SERVERS_CONF_V)
    assert log.config_error == (
        "/root/.bitfusion/servers.conf: open /root/.bitfusion/servers.conf: read-only file system"
    )
    assert log.claim_failed and not log.claim_failures
    assert [line.level for line in log.lines] == ["INFO", "WARN"]


def test_the_ocr_damaged_sample_still_names_the_server_and_reason():
    log = parse_log(TIMEOUT_OCR_V)
    assert [f.address for f in log.claim_failures] == ["10.117.32.156:56001"]
    assert log.claim_failures[0].reason.endswith("i/o timeout")
    assert log.claim_failed


def test_command_not_found_in_either_shell_wording():
    assert parse_log("bash: bitfusion: command not found\n").not_installed
    assert parse_log("sh: bitfusion: not found\n").not_installed
    assert not parse_log("bitfusion version 4.5.0\n").not_installed


def test_list_gpus_reference_shape():
    servers = parse_list_gpus(LIST_GPUS_R)
    assert [(s.index, s.address, s.tasks) for s in servers] == [
        (0, "10.117.32.177:56001", 0),
        (1, "10.117.32.178:56001", 1),
    ]
    assert [(g.index, g.free_mb, g.total_mb) for g in servers[0].gpus] == [
        (0, 16160, 16160),
        (1, 8080, 16160),
    ]
    assert servers[1].gpus[0].free_mb == 0


def test_list_gpus_after_claim_lines_and_with_loose_spacing():
    text = CLAIM_DEADLINE_V.splitlines()[0] + "\n" + LIST_GPUS_R.replace(" MiB", "MiB")
    text = text.replace("running 1 tasks", "running 1 task")
    servers = parse_list_gpus(text)
    assert len(servers) == 2 and servers[1].tasks == 1 and servers[0].gpus[1].free_mb == 8080


def test_smi_reads_models_memory_and_clients():
    text = """\
server 0 [10.0.40.11:56001] bf-srv01 version 4.5.0-fd3e4839
+-------------------------------------+
| GPU  Name                           | Memory-Usage         | GPU-Util    |
|=====================================|
|   0  NVIDIA A100-PCIE-40GB          |  40536MiB / 40536MiB |      25%    |
|   1  Tesla V100-PCIE-16GB           |      0MiB / 16160MiB |       0%    |
+-------------------------------------+
| Clients:                     GPU Memory    |
| GPU   Client                 Usage         |
|=====================================|
|    0   ml-train-01           40536MiB      |
+-------------------------------------+
"""
    [server] = parse_smi(text)
    assert (server.address, server.name, server.version) == (
        "10.0.40.11:56001",
        "bf-srv01",
        "4.5.0-fd3e4839",
    )
    assert [(g.index, g.model, g.used_mb, g.total_mb) for g in server.gpus] == [
        (0, "NVIDIA A100-PCIE-40GB", 40536, 40536),
        (1, "Tesla V100-PCIE-16GB", 0, 16160),
    ]
    assert server.clients_listed
    assert [(c.gpu, c.client, c.memory_mb) for c in server.clients] == [(0, "ml-train-01", 40536)]


def test_smi_without_a_client_section_says_clients_are_unknown():
    [server] = parse_smi("server 0 [10.0.40.11:56001]\n|   0  NVIDIA T4 | 0MiB / 15109MiB | 0% |\n")
    assert not server.clients_listed and server.gpus[0].model == "NVIDIA T4"


def test_health_and_version_lines():
    checks = parse_health(
        "server 10.0.40.11:56001 ........ OK\nserver 10.0.40.12:56001 ...... FAILED (i/o timeout)\n"
    )
    assert [(c.name, c.passed, c.detail) for c in checks] == [
        ("server 10.0.40.11:56001", True, ""),
        ("server 10.0.40.12:56001", False, "i/o timeout"),
    ]
    assert parse_version("bitfusion version 4.5.0-fd3e4839\n") == "4.5.0-fd3e4839"
    assert parse_version("Client: 2.5.1-13\n") == "2.5.1-13"
    assert parse_version("nothing here") == ""


def test_server_key_accepts_address_forms():
    assert server_key("10.0.40.11:56001") == server_key("10.0.40.11") == "10.0.40.11"
    assert server_key("[2001:db8::1]:56001") == "2001:db8::1"
    assert server_key("2001:db8::1") == "2001:db8::1"


def test_read_commands_are_plain_read_only_lines():
    assert [c.line for c in READ_COMMANDS] == [
        "bitfusion list_gpus",
        "bitfusion smi",
        "bitfusion health",
        "bitfusion version",
    ]
    assert not any(c.mutating for c in READ_COMMANDS)


FRAGMENTS = st.sampled_from(
    [
        " - server ",
        "[",
        "]: running ",
        " tasks",
        "|- GPU ",
        ": free memory ",
        " MiB / ",
        "MiB",
        "|",
        "[INFO] ",
        "[WARN] ",
        "Error: ",
        "Query server ",
        " to claim host id: ",
        "Error contacting server ",
        " to verify client id: ",
        "Failed to parse ",
        "Clients:",
        "version ",
        "server 0 [",
        " ..... ",
        "OK",
        "FAILED (",
        "\n",
        ":",
        " ",
        "99999999999999999999",
        "-1",
        "10.0.40.11:56001",
    ]
)
TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(FRAGMENTS, st.text(max_size=5), st.integers().map(str))).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_parsers_never_crash_on_arbitrary_text(text):
    parse_log(text)
    for server in parse_list_gpus(text):
        assert all(g.free_mb >= 0 and g.total_mb >= 0 for g in server.gpus)
    parse_smi(text)
    parse_health(text)
    assert isinstance(parse_version(text), str)
    assert isinstance(server_key(text), str)
