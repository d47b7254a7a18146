"""Saved MTU test sets, named target addresses and last results: JSON under the state dir.

Sets are per site ("AKL: vmk0 -> vcsa01, vmk1 -> peer"); results are kept by pair with their
timestamp so the next run can say what changed. Files are written atomically; a damaged file
is reported, never silently replaced.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from vconsole import paths
from vconsole.errors import InvalidToken, VconsoleError
from vconsole.models.mtu import MtuResult, MtuTest, TestSet

if TYPE_CHECKING:
    from vconsole.lab.scenario import Scenario
    from vconsole.untyped import Json

SETS_FILE = "mtu-sets.json"
RESULTS_FILE = "mtu-results.json"


class MtuStoreError(VconsoleError):
    title = "MTU store problem"


# Set and address names follow the rule for target names (config check); a saved pair's
# fields are tokens or names, so nothing saved can later reach a host as shell syntax.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,62}")
_TARGET = re.compile(r"[A-Za-z0-9*][A-Za-z0-9_.:%\-]{0,252}")
NAME_ACCEPTED = "letters, digits, _ . - (max 63), starting with a letter or digit"


def check_name(value: object, field: str) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise MtuStoreError(f"{field}: {value!r} is not accepted; expected {NAME_ACCEPTED}")
    return value


def check_test_set(test_set: TestSet, field: str = "set") -> None:
    """Refuse a set whose name, hosts or pairs could not be run, before it is saved."""
    from vconsole import tokens

    check_name(test_set.name, f"{field} name")
    for host in test_set.hosts:
        check_name(host, f"{field} host")
    try:
        for t in test_set.tests:
            if t.host != "*":
                check_name(t.host, f"{field} host")
            if not _TARGET.fullmatch(t.target or ""):
                raise MtuStoreError(
                    f"{field} target: {t.target!r} is not accepted; expected an address, "
                    "a saved name, host:vmkN or peer"
                )
            if t.vmk:
                tokens.vmk_name(t.vmk, f"{field} vmk")
            if t.netstack:
                tokens.netstack_name(t.netstack, f"{field} netstack")
    except InvalidToken as exc:
        raise MtuStoreError(str(exc)) from None


class MtuStore:
    """Test sets, the address book (name -> IP) and last results, in `state_dir`."""

    def __init__(self, state_dir: Path | None = None) -> None:
        self.dir = Path(state_dir) if state_dir else paths.state_dir()

    # -- sets and addresses ------------------------------------------------------------
    def _read(self, name: str) -> dict[str, Json]:
        file = self.dir / name
        if not file.exists():
            return {}
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            why = "nested too deeply" if isinstance(exc, RecursionError) else exc
            raise MtuStoreError(f"{file}: cannot read ({why}); fix or remove the file") from None
        if not isinstance(data, dict):
            raise MtuStoreError(f"{file}: expected a JSON object")
        return data

    def _write(self, name: str, data: dict[str, Json]) -> None:
        paths.ensure_dir(self.dir)
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=f".{name}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=2, sort_keys=True)
            os.replace(tmp, self.dir / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def sets(self) -> list[TestSet]:
        raw = self._read(SETS_FILE).get("sets", [])
        out = []
        for item in raw if isinstance(raw, list) else []:
            try:
                out.append(_set_from_json(item))
            except (KeyError, TypeError, ValueError) as exc:
                raise MtuStoreError(
                    f"{self.dir / SETS_FILE}: bad test set {item!r}: {exc}"
                ) from exc
        return out

    def get_set(self, name: str) -> TestSet:
        for s in self.sets():
            if s.name.lower() == name.lower():
                return s
        known = ", ".join(s.name for s in self.sets()) or "(none saved)"
        raise MtuStoreError(f"set: no saved MTU test set {name!r}; saved sets: {known}")

    def save_set(self, test_set: TestSet) -> None:
        check_test_set(test_set)
        data = self._read(SETS_FILE)
        sets = [
            s for s in data.get("sets", []) if s.get("name", "").lower() != test_set.name.lower()
        ]
        sets.append(_set_to_json(test_set))
        data["sets"] = sorted(sets, key=lambda s: s["name"].lower())
        self._write(SETS_FILE, data)

    def delete_set(self, name: str) -> bool:
        data = self._read(SETS_FILE)
        before = data.get("sets", [])
        data["sets"] = [s for s in before if s.get("name", "").lower() != name.lower()]
        self._write(SETS_FILE, data)
        return len(data["sets"]) != len(before)

    def rename_set(self, old: str, new: str) -> None:
        """Give a saved set a new name; refused when the name is taken or not accepted."""
        check_name(new, "set name")
        current = self.get_set(old)
        if new.lower() != old.lower() and any(s.name.lower() == new.lower() for s in self.sets()):
            raise MtuStoreError(f"set name: {new!r} is already a saved set; choose another name")
        self.delete_set(current.name)
        self.save_set(TestSet(new, current.tests, current.hosts, current.description))

    def addresses(self) -> dict[str, str]:
        raw = self._read(SETS_FILE).get("addresses", {})
        return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}

    def save_address(self, name: str, address: str) -> None:
        check_name(name, "address name")
        data = self._read(SETS_FILE)
        data.setdefault("addresses", {})[name] = address
        self._write(SETS_FILE, data)

    # -- results --------------------------------------------------------------------------
    def last_results(self) -> dict[str, dict[str, Json]]:
        raw = self._read(RESULTS_FILE).get("results", {})
        return raw if isinstance(raw, dict) else {}

    def save_results(self, results: list[MtuResult]) -> None:
        data = self._read(RESULTS_FILE)
        kept = data.get("results", {})
        for r in results:
            kept[r.key] = r.to_json()
        data["results"] = kept
        self._write(RESULTS_FILE, data)


def _set_to_json(s: TestSet) -> dict[str, object]:
    return {
        "name": s.name,
        "description": s.description,
        "hosts": list(s.hosts),
        "tests": [{k: v for k, v in asdict(t).items() if v not in ("", None)} for t in s.tests],
    }


def _set_from_json(item: dict[str, Json]) -> TestSet:
    tests = tuple(
        MtuTest(
            host=str(t.get("host", "*")),
            target=str(t["target"]),
            vmk=str(t.get("vmk", "")),
            netstack=str(t.get("netstack", "")),
            family=int(t.get("family", 4)),
            label=str(t.get("label", "")),
            required_mtu=int(t["required_mtu"]) if t.get("required_mtu") else None,
        )
        for t in item.get("tests", [])
    )
    return TestSet(
        name=str(item["name"]),
        tests=tests,
        hosts=tuple(str(h) for h in item.get("hosts", [])),
        description=str(item.get("description", "")),
    )


def sets_from_scenario(scenario: Scenario) -> tuple[list[TestSet], dict[str, str]]:
    """One set per site from the lab scenario, plus the address book of its extra targets.

    Each host tests management (vmk0) to every extra target (vCenter, witness) and every other
    vmk to the same vmk on the site's other hosts ("peer"), on that vmk's netstack.
    """
    book = {t.name: t.ip for t in scenario.targets}
    out = []
    for site in scenario.sites:
        hosts = [h for h in scenario.hosts if h.site == site.name]
        if not hosts:
            continue
        tests: list[MtuTest] = []
        first = hosts[0]
        for vmk in first.vmks:
            if vmk.name == "vmk0" or "management" in vmk.services:
                tests += [
                    MtuTest(host="*", vmk=vmk.name, target=t.name, label=t.name)
                    for t in scenario.targets
                ]
            elif len(hosts) > 1:
                tests.append(MtuTest(host="*", vmk=vmk.name, target="peer", label="peer"))
        out.append(
            TestSet(
                name=site.name,
                tests=tuple(tests),
                hosts=tuple(h.name for h in hosts),
                description=f"site {site.name}: management to vCenter and witness, peers per vmk",
            )
        )
    return out, book


def seed_from_scenario(store: MtuStore, scenario: Scenario, *, overwrite: bool = False) -> int:
    """Save the scenario's per-site sets and target names unless sets exist; returns sets saved."""
    if store.sets() and not overwrite:
        return 0
    sets, book = sets_from_scenario(scenario)
    for name, ip in book.items():
        store.save_address(name, ip)
    for s in sets:
        store.save_set(s)
    return len(sets)
