"""A ping's ExecuteSoap request made from its kept template is byte for byte the request built
in full, whatever the other arguments, their order and the size."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.esx.api_calls import API_VERSION, esxcli_call
from vconsole.esx.vmkping import vmkping_command
from vconsole.vim import esxcli as wire
from vconsole.vim.soap import MoRef

TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
ARG = st.tuples(st.sampled_from(["host", "interface", "df", "count", "wait", "netstack"]), TEXT)


@settings(max_examples=150)
@given(
    executer=st.builds(MoRef, st.just("ManagedMethodExecuter"), TEXT),
    moid=TEXT,
    before=st.lists(ARG, max_size=3),
    after=st.lists(ARG, max_size=3),
    size=st.integers(0, 65487),
)
def test_the_templated_request_is_the_request_built_in_full(
    executer: MoRef, moid: str, before: list, after: list, size: int
) -> None:
    args = (*before, ("size", str(size)), *after)
    method = "vim.EsxCLI.network.diag.ping"
    full = wire._execute_soap_body(executer, moid, API_VERSION, method, args)
    assert wire.execute_soap_body(executer, moid, API_VERSION, method, args) == full
    assert f"&lt;size&gt;{size}&lt;/size&gt;".encode() in full


@settings(max_examples=60)
@given(
    size=st.integers(0, 9000),
    vmk=st.sampled_from(["vmk0", "vmk1", "vmk10"]),
    target=st.sampled_from(["10.0.10.5", "fd00::1", "192.168.1.20"]),
    df=st.booleans(),
)
def test_each_probe_of_a_matrix_gets_its_own_size(
    size: int, vmk: str, target: str, df: bool
) -> None:
    executer = MoRef("ManagedMethodExecuter", "ha-mme-1")
    bodies = {}
    for s in (size, size + 1):
        family = 6 if ":" in target else 4
        call = esxcli_call(vmkping_command(target, size=s, vmk=vmk, df=df, family=family))
        bodies[s] = wire.execute_soap_body(
            executer, call.moid, API_VERSION, call.method_name, call.args
        )
        full = wire._execute_soap_body(
            executer, call.moid, API_VERSION, call.method_name, call.args
        )
        assert bodies[s] == full
    assert bodies[size] != bodies[size + 1]
