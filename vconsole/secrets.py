"""Passwords and API tokens: from the OS keyring, keyed by service "vconsole" and "profile/target".

Order of lookup: the `VCONSOLE_PASSWORD_<TARGET>` environment variable (automation; the target
name upper-cased with non-alphanumerics as `_`), this run's memory, the keyring, then a prompt.
Without a keyring backend (a headless jump host) the prompt's answer lives only in memory.
A Cloud Director API token (a long-lived refresh token) takes the same path under its own names:
`VCONSOLE_TOKEN_<TARGET>` and the keyring entry "profile/target/api-token", so switching a
target between password and token never mixes the two.
Nothing here logs or echoes a secret; `redact` scrubs known passwords and tokens from any text,
and `known_secrets` hands every secret of this run (stores, variables, noted session tokens) to
the debug log's redaction.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import weakref
from collections.abc import Callable, Iterable

from vconsole.errors import SecretUnavailable

log = logging.getLogger(__name__)

SERVICE = "vconsole"
TOKEN_SUFFIX = "/api-token"
ENV_PREFIXES = ("VCONSOLE_PASSWORD_", "VCONSOLE_TOKEN_")
PromptFn = Callable[[str], str]
NO_KEYRING_NOTE = (
    "No system keyring is available (headless session?): passwords will be asked for and kept "
    "in memory for this run only."
)


_LIVE_STORES: weakref.WeakSet[SecretStore] = weakref.WeakSet()
_NOTED: set[str] = set()
_NOTED_LOCK = threading.Lock()


def note_secret(value: str) -> None:
    """Mark a secret the console got from a server (a session token) for redaction in logs."""
    if value:
        with _NOTED_LOCK:
            _NOTED.add(value)


def known_secrets() -> set[str]:
    """Every password and token this process holds: stores' memory, secret variables, noted."""
    found = {v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES) and v}
    with _NOTED_LOCK:
        found |= _NOTED
    for store in list(_LIVE_STORES):
        found |= store.secrets()
    return found


def env_var_name(target: str, *, token: bool = False) -> str:
    """The environment variable that overrides `target`'s secret, e.g. VCONSOLE_PASSWORD_ESX01."""
    prefix = ENV_PREFIXES[1] if token else ENV_PREFIXES[0]
    return prefix + re.sub(r"[^A-Za-z0-9]", "_", target).upper()


def sharing_password_variable(name: str, others: Iterable[str]) -> str | None:
    """Another target whose password variable is `name`'s (`esx-01`, `esx_01`, `ESX-01`).

    Two such targets would both read one `VCONSOLE_PASSWORD_*`, sending one host's password
    to the other, so a profile may not hold both.
    """
    mine = env_var_name(name)
    return next((o for o in others if o != name and env_var_name(o) == mine), None)


def keyring_username(profile: str, target: str, *, token: bool = False) -> str:
    return f"{profile}/{target}" + (TOKEN_SUFFIX if token else "")


def lab_password(status_file: str, target: str, field: str = "password") -> str | None:
    """The throwaway secret (`password` or `api_token`) the embedded lab made for `target`."""
    secret = _lab_secrets(status_file).get((target, field))
    return secret or None


_lab_cache: dict[str, tuple[str, dict[tuple[str, str], str]]] = {}
_lab_cache_lock = threading.Lock()


def _lab_secrets(status_file: str) -> dict[tuple[str, str], str]:
    """(service, field) -> secret from the lab's status file, parsed again only when its text
    changes (a new lab): a console logging in to 1,000 lab hosts at once would otherwise parse
    the whole file, which names every one of them, for each login."""
    import json
    from pathlib import Path

    try:
        text = Path(status_file).read_text(encoding="utf-8")
        with _lab_cache_lock:
            cached = _lab_cache.get(status_file)
        if cached is not None and cached[0] == text:
            return cached[1]
        data = json.loads(text)
    except (OSError, ValueError):
        return {}
    secrets: dict[tuple[str, str], str] = {}
    for service in data.get("services", []) if isinstance(data, dict) else []:
        if not isinstance(service, dict) or not isinstance(service.get("name"), str):
            continue
        for field in ("password", "api_token"):
            value = service.get(field)
            key = (service["name"], field)
            if key not in secrets:  # the first entry of a name answers, as before
                secrets[key] = value if isinstance(value, str) else ""
    with _lab_cache_lock:
        _lab_cache.clear()  # one lab file at a time is the rule; never a growing map
        _lab_cache[status_file] = (text, secrets)
    return secrets


class SecretStore:
    """Finds the password for a target; one per session manager."""

    def __init__(
        self,
        profile: str,
        prompt: PromptFn | None = None,
        *,
        use_keyring: bool = True,
        environ: dict[str, str] | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.profile = profile
        self.prompt = prompt
        self._environ = environ if environ is not None else os.environ
        # read once: redact() runs for every audit record, the environment does not change
        self._env_secrets = [
            v for k, v in self._environ.items() if k.startswith(ENV_PREFIXES) and v
        ]
        self._memory: dict[str, str] = {}
        self._redact_order: list[str] | None = None  # longest first; None when memory changed
        self._lock = threading.Lock()
        self._use_keyring = use_keyring
        self._notify = notify
        self.keyring_note: str | None = None
        _LIVE_STORES.add(self)

    def _keyring(self):  # -> keyring module, or None when there is no usable backend
        if not self._use_keyring:
            return None
        try:
            import keyring
            from keyring.backends import fail
        except ImportError:
            self._no_backend()
            return None
        if isinstance(keyring.get_keyring(), fail.Keyring):
            self._no_backend()
            return None
        return keyring

    def _no_backend(self) -> None:
        if self.keyring_note is None:
            self.keyring_note = NO_KEYRING_NOTE
            if self._notify:
                self._notify(NO_KEYRING_NOTE)
        self._use_keyring = False

    def get_password(
        self, target: str, user: str | None = None, *, lab_credentials: str | None = None
    ) -> str:
        """The password for `target`, prompting (once per run) if nothing stores it."""
        return self._lookup(target, user, lab_credentials, token=False)

    def get_token(self, target: str, *, lab_credentials: str | None = None) -> str:
        """The Cloud Director API token for `target`, prompting (once per run) if none is stored."""
        return self._lookup(target, None, lab_credentials, token=True)

    def _lookup(
        self, target: str, user: str | None, lab_credentials: str | None, *, token: bool
    ) -> str:
        key = _memory_key(target, token)
        from_env = self._environ.get(env_var_name(target, token=token))
        if from_env:
            return from_env
        if lab_credentials:
            from_lab = lab_password(lab_credentials, target, "api_token" if token else "password")
            if from_lab:
                self._remember(key, from_lab)
                return from_lab
        with self._lock:
            if key in self._memory:
                return self._memory[key]
        ring = self._keyring()
        if ring is not None:
            from keyring.errors import KeyringError

            try:
                stored = ring.get_password(
                    SERVICE, keyring_username(self.profile, target, token=token)
                )
            except KeyringError:
                self._no_backend()
                stored = None
            if stored:
                self._remember(key, stored)
                return stored
        what = "API token" if token else "password"
        if self.prompt is None:
            command = "set-token" if token else "set-password"
            hint = (
                f"Store it with `vconsole config {command} {target}` or set "
                f"{env_var_name(target, token=token)}."
            )
            raise SecretUnavailable(target, hint, what=what)
        who = f"{user}@" if user else ""
        answer = self.prompt(f"{what[0].upper()}{what[1:]} for {who}{target}: ")
        if not answer:
            raise SecretUnavailable(target, f"no {what} was entered.", what=what)
        self._remember(key, answer)
        return answer

    def remember(self, target: str, password: str, *, token: bool = False) -> None:
        self._remember(_memory_key(target, token), password)

    def _remember(self, key: str, secret: str) -> None:
        with self._lock:
            self._memory[key] = secret
            self._redact_order = None

    def forget(self, target: str, *, token: bool = False) -> None:
        """Drop a cached secret (after a refused login) so the next attempt asks again."""
        with self._lock:
            self._memory.pop(_memory_key(target, token), None)
            self._redact_order = None

    def store(self, target: str, password: str, *, token: bool = False) -> bool:
        """Save in the keyring; returns False (memory only) when there is no backend."""
        self.remember(target, password, token=token)
        ring = self._keyring()
        if ring is None:
            return False
        ring.set_password(SERVICE, keyring_username(self.profile, target, token=token), password)
        return True

    def delete(self, target: str, *, token: bool = False) -> None:
        self.forget(target, token=token)
        ring = self._keyring()
        if ring is not None:
            from keyring.errors import PasswordDeleteError

            try:
                ring.delete_password(SERVICE, keyring_username(self.profile, target, token=token))
            except PasswordDeleteError:  # nothing was stored: the goal (none stored) holds
                log.debug("no keyring entry to delete for %s", target)

    def secrets(self) -> set[str]:
        """The passwords and API tokens this store has handed out or was given."""
        with self._lock:
            known = {p for p in self._memory.values() if p}
        return known | set(self._env_secrets)

    def redact(self, text: str) -> str:
        """Replace every password and API token known to this run with `***`."""
        with self._lock:  # sorted once per change: 1,000 hosts' passwords, every audit record
            order = self._redact_order
            if order is None:
                known = {p for p in self._memory.values() if p} | set(self._env_secrets)
                order = self._redact_order = sorted(known, key=len, reverse=True)
        for secret in order:
            text = text.replace(secret, "***")
        return text


def _memory_key(target: str, token: bool) -> str:
    return target + TOKEN_SUFFIX if token else target
