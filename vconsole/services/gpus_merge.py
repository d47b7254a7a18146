"""Pure pieces of the pool refresh: GPUs from list_gpus + smi, and why a client gave no pool.

`list_gpus` is the accounting (free memory per GPU, so allocated = physical - free); `smi`
adds the model and the clients holding memory. A client that is missing, has no usable token
or printed only an error yields a `ClientFailure`; every server unreachable does not (the
pool exists, it is empty), so that case is judged by the checks instead.
"""

from __future__ import annotations

from vconsole.esx.bitfusion import ClientLog, ListedServer, SmiServer
from vconsole.models.gpus import ClientFailure, Gpu

TOKEN_HINT = (
    "the client has no usable Bitfusion token: download one from the vCenter Bitfusion "
    "plug-in (Tokens tab) and install ca.crt, client.yaml and servers.conf"
)


def gpus_of(entry: ListedServer, info: SmiServer | None) -> tuple[Gpu, ...]:
    """One server's GPUs: memory from its list_gpus block, model and holders from its smi table."""
    models = {g.index: g for g in info.gpus} if info else {}
    by_gpu: dict[int, list[tuple[str, int]]] = {}
    for c in info.clients if info else ():
        by_gpu.setdefault(c.gpu, []).append((c.client, c.memory_mb))
    out = []
    for g in entry.gpus:
        smi_gpu = models.get(g.index)
        out.append(
            Gpu(
                id=f"{entry.address}/gpu{g.index}",
                index=g.index,
                model=smi_gpu.model if smi_gpu else "",
                memory_mb=g.total_mb,
                allocated_mb=max(0, g.total_mb - g.free_mb),
                clients=tuple(dict.fromkeys(c for c, _ in by_gpu.get(g.index, []))),
                clients_known=bool(info and info.clients_listed),
                utilisation_pct=smi_gpu.utilisation_pct if smi_gpu else None,
                client_memory=tuple(by_gpu.get(g.index, [])),
            )
        )
    return tuple(out)


def holders(gpu: Gpu) -> list[tuple[str, int]]:
    """(client, MiB) per client on one GPU, a client's several rows added up."""
    merged: dict[str, int] = {}
    for client, memory in gpu.client_memory:
        merged[client] = merged.get(client, 0) + memory
    return list(merged.items())


def client_failure(
    log: ClientLog,
    listed: tuple[ListedServer, ...],
    exit_code: int,
    stderr: str,
    stdout: str = "",
) -> tuple[ClientFailure, str] | None:
    """Why the client gave no pool, or None when it did (even with every server unreachable).

    Output with no server line and no claim failure is not an empty pool but an output the
    console does not recognise: it is said so, never counted as "0 GPUs".
    """
    if log.not_installed or exit_code == 127:
        line = log.not_installed or stderr.strip() or "exit status 127"
        return ClientFailure.NOT_INSTALLED, f"bitfusion is not installed on the client ({line})"
    if log.config_error:
        return ClientFailure.NOT_AUTHORISED, f"{TOKEN_HINT} (Failed to parse {log.config_error})"
    if listed or log.claim_failures:
        return None
    if log.error:
        return ClientFailure.UNREADABLE, f"the client failed: {log.error}"
    if exit_code != 0:
        detail = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit status {exit_code}"
        return ClientFailure.UNREADABLE, f"bitfusion list_gpus failed: {detail}"
    if stdout.strip():
        first = stdout.strip().splitlines()[0][:80]
        return ClientFailure.UNREADABLE, (
            f"bitfusion list_gpus output not recognised (no server line; it begins {first!r})"
        )
    return None
