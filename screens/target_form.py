"""Add / edit a target: a modal form validated with the same rules as the config file.

Every problem is shown under the field it names, with what would be accepted.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from vconsole.config import AUTH_MODES, KINDS, PROTOCOLS, TargetConfig

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "Name", "esx01"),
    ("address", "Address", "esx01.example.com or 192.0.2.10"),
    ("port", "Port (empty: default for the kind)", "22 / 443"),
    ("user", "User", "root or administrator@vsphere.local"),
    ("org", "Organization (Cloud Director)", "System"),
    ("file", "Capture file (replay)", "/path/to/esx01.json"),
)

AUTH_LABELS = {"password": "password", "token": "API token (store it with p)"}


def validate_target(
    raw: dict[str, object], taken: set[str]
) -> tuple[dict[str, str], TargetConfig | None]:
    """Problems keyed by field name (message + what is accepted), or the validated target."""
    from vconsole.config_check import _check_target, _LineIndex

    errors: dict[str, str] = {}
    port = raw.get("port")
    if isinstance(port, str):
        if port.isdigit():
            raw = {**raw, "port": int(port)}
        else:
            errors["port"] = f"port: {port!r} is not a number (accepted: a port number 1-65535)"
            raw = {k: v for k, v in raw.items() if k != "port"}
    problems, target = _check_target(raw, "target", _LineIndex(""), "", 0, None, set(taken))
    for problem in problems:
        field = problem.field.removeprefix("target").lstrip(".") or "name"
        accepted = f" (accepted: {problem.accepted})" if problem.accepted else ""
        message = "required" if raw.get(field) in (None, "") else problem.message
        errors.setdefault(field, f"{field}: {message}{accepted}")
    return errors, (None if errors else target)


def _choice_field(
    key: str, label: str, options: list[tuple[str, str]], value: str
) -> ComposeResult:
    """A labelled drop-down (`#field-<key>`) with its error line (`#error-<key>`) under it."""
    yield Label(label, classes="field-label")
    yield Select(options, value=value, allow_blank=False, compact=True, id=f"field-{key}")
    yield Label("", id=f"error-{key}", classes="field-error", markup=False)


class TargetForm(ModalScreen[TargetConfig | None]):
    """Returns the validated TargetConfig, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="target_form.cancel", tooltip="Discard the form."),
        Binding("ctrl+s", "save", "Save", id="target_form.save", tooltip="Validate and save."),
    ]

    def __init__(self, existing: TargetConfig | None, taken: set[str]) -> None:
        super().__init__(classes="dialog")
        self.existing = existing
        self.taken = set(taken) - ({existing.name} if existing else set())

    def compose(self) -> ComposeResult:
        current = self.existing
        title = f"Edit target {current.name}" if current else "Add a target"
        with Vertical():
            yield Label(title, classes="dialog-title", markup=False)
            with VerticalScroll():
                yield from _choice_field(
                    "kind", "Kind", [(k, k) for k in KINDS], current.kind if current else "esxi"
                )
                for key, label, placeholder in FIELDS:
                    value = getattr(current, key, None) if current else None
                    yield Label(label, classes="field-label")
                    yield Input(
                        "" if value is None else str(value),
                        placeholder=placeholder,
                        compact=True,
                        id=f"field-{key}",
                    )
                    yield Label("", id=f"error-{key}", classes="field-error", markup=False)
                yield from _choice_field(
                    "protocol",
                    "Protocol (vCenter / Cloud Director)",
                    [(p, p) for p in PROTOCOLS],
                    current.protocol if current else "https",
                )
                yield from _choice_field(
                    "auth",
                    "Login (Cloud Director)",
                    [(AUTH_LABELS[a], a) for a in AUTH_MODES],
                    current.auth if current else "password",
                )
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    def on_mount(self) -> None:
        for label in self.query(".field-error"):
            label.display = False
        self.query_one("#field-name", Input).focus()

    def raw_values(self) -> dict[str, object]:
        """What the admin typed, empty fields left out; unchanged settings of an edit kept."""
        raw: dict[str, object] = {}
        if self.existing is not None:
            for key in ("read_only", "thumbprint", "host_key_policy", "concurrency", "key_file"):
                value = getattr(self.existing, key)
                if value is not None and value != getattr(TargetConfig("x", "esxi"), key):
                    raw[key] = value
        raw["kind"] = self.query_one("#field-kind", Select).value
        for key, _, _ in FIELDS:
            text = self.query_one(f"#field-{key}", Input).value.strip()
            if text:
                raw[key] = text
        protocol = self.query_one("#field-protocol", Select).value
        if protocol != "https":
            raw["protocol"] = protocol
        auth = self.query_one("#field-auth", Select).value
        if auth != "password":
            raw["auth"] = auth  # the token itself is stored with `p`, never in the config
        return raw

    def action_save(self) -> None:
        errors, target = validate_target(self.raw_values(), self.taken)
        for label in self.query(".field-error").results(Label):
            message = errors.get(str(label.id).removeprefix("error-"), "")
            label.update(message)
            label.display = bool(message)
        if target is None:
            first = next(iter(errors))
            widget = self.query(f"#field-{first}")
            if widget:
                widget.first().focus()
            self.notify(
                f"check: {', '.join(errors)}",
                title="Target not saved",
                severity="error",
                markup=False,
            )
            return
        self.dismiss(target)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()
