"""Passwords: from the OS keyring, keyed by service "vconsole" and "profile/target".

Order of lookup: the `VCONSOLE_PASSWORD_<TARGET>` environment variable (automation; the target
name upper-cased with non-alphanumerics as `_`), this run's memory, the keyring, then a prompt.
Without a keyring backend (a headless jump host) the prompt's answer lives only in memory.
Nothing here logs or echoes a password; `redact` scrubs known passwords from any text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable

from vconsole.sessions.errors import SecretUnavailable

SERVICE = "vconsole"
PromptFn = Callable[[str], str]
NO_KEYRING_NOTE = (
    "No system keyring is available (headless session?): passwords will be asked for and kept "
    "in memory for this run only."
)


def env_var_name(target: str) -> str:
    """The environment variable that overrides `target`'s password, e.g. VCONSOLE_PASSWORD_ESX01."""
    return "VCONSOLE_PASSWORD_" + re.sub(r"[^A-Za-z0-9]", "_", target).upper()


def sharing_password_variable(name: str, others: Iterable[str]) -> str | None:
    """Another target whose password variable is `name`'s (`esx-01`, `esx_01`, `ESX-01`).

    Two such targets would both read one `VCONSOLE_PASSWORD_*`, sending one host's password
    to the other, so a profile may not hold both.
    """
    mine = env_var_name(name)
    return next((o for o in others if o != name and env_var_name(o) == mine), None)


def keyring_username(profile: str, target: str) -> str:
    return f"{profile}/{target}"


def lab_password(status_file: str, target: str) -> str | None:
    """The throwaway password the embedded lab generated for `target` (its `lab.json`)."""
    import json
    from pathlib import Path

    try:
        data = json.loads(Path(status_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for service in data.get("services", []) if isinstance(data, dict) else []:
        if isinstance(service, dict) and service.get("name") == target:
            password = service.get("password")
            return password if isinstance(password, str) and password else None
    return None


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
        import os

        self.profile = profile
        self.prompt = prompt
        self._environ = environ if environ is not None else os.environ
        # read once: redact() runs for every audit record, the environment does not change
        self._env_secrets = [
            v for k, v in self._environ.items() if k.startswith("VCONSOLE_PASSWORD_") and v
        ]
        self._memory: dict[str, str] = {}
        self._lock = threading.Lock()
        self._use_keyring = use_keyring
        self._notify = notify
        self.keyring_note: str | None = None

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
        from_env = self._environ.get(env_var_name(target))
        if from_env:
            return from_env
        if lab_credentials:
            from_lab = lab_password(lab_credentials, target)
            if from_lab:
                self.remember(target, from_lab)
                return from_lab
        with self._lock:
            if target in self._memory:
                return self._memory[target]
        ring = self._keyring()
        if ring is not None:
            from keyring.errors import KeyringError

            try:
                stored = ring.get_password(SERVICE, keyring_username(self.profile, target))
            except KeyringError:
                self._no_backend()
                stored = None
            if stored:
                self.remember(target, stored)
                return stored
        if self.prompt is None:
            hint = (
                f"Store it with `vconsole config set-password {target}` or set "
                f"{env_var_name(target)}."
            )
            raise SecretUnavailable(target, hint)
        who = f"{user}@" if user else ""
        answer = self.prompt(f"Password for {who}{target}: ")
        if not answer:
            raise SecretUnavailable(target, "no password was entered.")
        self.remember(target, answer)
        return answer

    def remember(self, target: str, password: str) -> None:
        with self._lock:
            self._memory[target] = password

    def forget(self, target: str) -> None:
        """Drop a cached password (after a refused login) so the next attempt asks again."""
        with self._lock:
            self._memory.pop(target, None)

    def store(self, target: str, password: str) -> bool:
        """Save in the keyring; returns False (memory only) when there is no backend."""
        self.remember(target, password)
        ring = self._keyring()
        if ring is None:
            return False
        ring.set_password(SERVICE, keyring_username(self.profile, target), password)
        return True

    def delete(self, target: str) -> None:
        self.forget(target)
        ring = self._keyring()
        if ring is not None:
            from keyring.errors import PasswordDeleteError

            try:
                ring.delete_password(SERVICE, keyring_username(self.profile, target))
            except PasswordDeleteError:
                pass

    def redact(self, text: str) -> str:
        """Replace every password known to this run with `***`."""
        with self._lock:
            known = [p for p in self._memory.values() if p]
        known += self._env_secrets
        for secret in sorted(set(known), key=len, reverse=True):
            text = text.replace(secret, "***")
        return text
