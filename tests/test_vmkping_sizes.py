"""A pair's probe commands made from its checked template are the commands checked one by one.

`vmkping_sizes` checks a pair's target, vmk, netstack and timings once; whatever the inputs, each
size must give exactly the line `vmkping_command` gives, and a size or a pair field it refuses
must be refused the same way (same field named), so the host sees the same commands and a bad
request the same error.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.errors import InvalidToken
from vconsole.esx.vmkping import MAX_PAYLOAD, vmkping_command, vmkping_sizes

TARGETS = st.sampled_from(
    ["10.0.10.5", "192.168.1.1", "fd00::5", "FD00:0:0::7", "10.0.0.256", "host;rm", "", "-x"]
)
VMKS = st.sampled_from(["", "vmk0", "vmk12", "vmk1000", "eth0", "vmk1;"])
STACKS = st.sampled_from(["", "defaultTcpipStack", "vmotion", "vxlan", "bad stack", "a|b"])
SIZES = st.one_of(st.integers(-5, MAX_PAYLOAD + 5), st.sampled_from([0, 1472, 8972, 65507]))


def _outcome(make):  # type: ignore[no-untyped-def]
    try:
        return ("ok", make().line)
    except InvalidToken as exc:
        return ("refused", exc.field)


@settings(max_examples=200)
@given(
    target=TARGETS,
    vmk=VMKS,
    netstack=STACKS,
    family=st.sampled_from([4, 6]),
    count=st.integers(1, 4),
    wait_s=st.sampled_from([0.5, 1.0, 2.0, 0.001]),
    interval_s=st.sampled_from([0.2, 1.0]),
    df=st.booleans(),
    sizes=st.lists(SIZES, min_size=1, max_size=6),
)
def test_each_size_gives_the_command_checked_on_its_own(  # type: ignore[no-untyped-def]
    target, vmk, netstack, family, count, wait_s, interval_s, df, sizes
) -> None:
    pair = dict(
        vmk=vmk,
        netstack=netstack,
        family=family,
        count=count,
        wait_s=wait_s,
        interval_s=interval_s,
        df=df,
    )
    try:
        sized = vmkping_sizes(target, **pair)
    except InvalidToken as exc:
        # the pair itself is refused: so is every command of it, naming the same field
        for size in sizes:
            expected = _outcome(lambda size=size: vmkping_command(target, size=size, **pair))
            if expected[0] == "refused" and expected[1] == "size":
                continue  # checked in the order the words come; the size may fail first
            assert expected == ("refused", exc.field)
        return
    for size in sizes:
        got = _outcome(lambda size=size: sized(size))
        assert got == _outcome(lambda size=size: vmkping_command(target, size=size, **pair))


def test_a_refused_size_names_the_size_and_what_is_accepted() -> None:
    sized = vmkping_sizes("10.0.10.5", vmk="vmk1")
    with pytest.raises(InvalidToken, match=r"size: .*from 0 to"):
        sized(MAX_PAYLOAD + 1)
    assert sized(1472).line == vmkping_command("10.0.10.5", size=1472, vmk="vmk1").line
