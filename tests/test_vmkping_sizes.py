"""A pair's probe commands made from its checked template are the commands checked one by one.

`vmkping_sizes` checks a pair's target, vmk, netstack and timings once; whatever the inputs, each
size must give exactly the line `vmkping_command` gives, and a size or a pair field it refuses
must be refused the same way (same field named), so the host sees the same commands and a bad
request the same error.
"""

from __future__ import annotations

from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.errors import InvalidToken
from vconsole.esx.vmkping import MAX_PAYLOAD, vmkping_command, vmkping_sizes

TARGETS = st.sampled_from(
    ["10.0.10.5", "192.168.1.1", "fd00::5", "FD00:0:0::7", "10.0.0.256", "host;rm", "", "-x"]
)
SIZES = st.one_of(st.integers(-5, MAX_PAYLOAD + 5), st.sampled_from([0, 1472, 8972, 65507]))
PAIRS = st.fixed_dictionaries(
    {
        "vmk": st.sampled_from(["", "vmk0", "vmk12", "vmk1000", "eth0", "vmk1;"]),
        "netstack": st.sampled_from(["", "defaultTcpipStack", "vmotion", "bad stack", "a|b"]),
        "family": st.sampled_from([4, 6]),
        "count": st.integers(1, 4),
        "wait_s": st.sampled_from([0.5, 1.0, 2.0, 0.001]),
        "interval_s": st.sampled_from([0.2, 1.0]),
        "df": st.booleans(),
    }
)


def _outcome(make, size):  # type: ignore[no-untyped-def]
    try:
        return ("ok", make(size=size).line)
    except InvalidToken as exc:
        return ("refused", exc.field)


@settings(max_examples=200)
@given(target=TARGETS, pair=PAIRS, sizes=st.lists(SIZES, min_size=1, max_size=6))
def test_each_size_gives_the_command_checked_on_its_own(target, pair, sizes) -> None:  # type: ignore[no-untyped-def]
    one_by_one = partial(vmkping_command, target, **pair)
    try:
        sized = vmkping_sizes(one_by_one)
    except InvalidToken as exc:
        # the pair itself is refused: so is every command of it, naming the same field
        for size in sizes:
            expected = _outcome(one_by_one, size)
            if expected == ("refused", "size"):
                continue  # words are checked in order: a bad size may be named first
            assert expected == ("refused", exc.field)
        return
    for size in sizes:
        assert _outcome(lambda size: sized(size), size) == _outcome(one_by_one, size)


def test_a_refused_size_names_the_size_and_what_is_accepted() -> None:
    sized = vmkping_sizes(partial(vmkping_command, "10.0.10.5", vmk="vmk1"))
    with pytest.raises(InvalidToken, match=r"size: .*from 0 to"):
        sized(MAX_PAYLOAD + 1)
    assert sized(1472).line == vmkping_command("10.0.10.5", size=1472, vmk="vmk1").line


async def test_a_pair_refused_before_any_probe_is_that_pair_s_error_not_a_crash() -> None:
    from vconsole.services.mtu_probe import ssh_probe
    from vconsole.services.mtu_search import find_path_mtu

    # nothing reaches a host: the manager is never asked
    probe = ssh_probe(None, "esx01", "10.0.10.5", vmk="eth0")  # type: ignore[arg-type]
    outcome = await find_path_mtu(probe, vmk_mtu=9000)
    assert outcome.path_mtu is None
    assert "vmk" in outcome.error and "eth0" in outcome.error
