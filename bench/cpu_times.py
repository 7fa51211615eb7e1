"""CPU seconds by role, read from /proc: the processes of given process groups (a server's
supervisor and its workers, an Envoy, a uvicorn and its workers), the PostgreSQL backends of one
database, and the whole machine (what nobody else used shows up as `other`).

Used by the getme, webhooks and analytics suites: sample before and after a measured window,
then `cores_since` (busy cores per role) or `seconds_since` (CPU seconds per role).
"""

from __future__ import annotations

import os
import resource
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from server import stack as server_stack

DATABASE = "database"
# The roles every breakdown prints, in this order, even when one used nothing.
BASE_ROLES = ("server", "envoy", DATABASE)


class HasDatabase(Protocol):
    @property
    def database_name(self) -> str | None:
        """The PostgreSQL database whose backends count as `database` (None: SQLite)."""
        ...


class CpuTimes:
    """CPU seconds used so far by each process of the sampled roles, and by the machine."""

    def __init__(
        self,
        processes: dict[int, tuple[str, float]],
        machine: float,
        roles: tuple[str, ...] = BASE_ROLES,
    ) -> None:
        self.processes = processes  # pid -> (role, seconds)
        self.machine = machine
        self.roles = roles

    @classmethod
    def now(cls, stack: server_stack.Stack, store: HasDatabase) -> CpuTimes:
        """A stack's server (supervisor and workers) and Envoy, and `store`'s database."""
        groups = {stack.supervisor.pid: "server", stack.envoy.pid: "envoy"}
        return cls.sample(groups, database=store.database_name)

    @classmethod
    def sample(cls, groups: Mapping[int, str], *, database: str | None = None) -> CpuTimes:
        """`groups`: process group id -> role; `database`: a PostgreSQL database name."""
        backend = f" {database} " if database else None
        ticks = os.sysconf("SC_CLK_TCK")
        processes = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                role = groups.get(int(fields[2]))  # field 5: the process group
                if role is None and backend is not None:
                    command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                    is_backend = command.startswith("postgres:") and backend in command
                    role = DATABASE if is_backend else None
            except (OSError, UnicodeDecodeError):
                continue
            if role is not None:
                processes[int(entry.name)] = (role, (int(fields[11]) + int(fields[12])) / ticks)
        first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in first[:8])
        machine = (user + nice + system + irq + softirq + steal) / ticks
        roles = tuple(dict.fromkeys([*BASE_ROLES, *groups.values()]))
        return cls(processes, machine, roles)

    def seconds_since(self, before: CpuTimes) -> dict[str, float]:
        """CPU seconds per role since `before` (a process absent then started since)."""
        used = self._used_since(before)
        return {role: sum(s for r, s in used.values() if r == role) for role in self.roles}

    def cores_since(self, before: CpuTimes, seconds: float) -> dict[str, Any]:
        """Busy cores per role: CPU seconds used since `before` over `seconds` (the measured
        window: the little used around it is counted in it)."""
        used = self._used_since(before)
        cores: dict[str, Any] = {
            role: round(seconds_used / seconds, 2)
            for role, seconds_used in self.seconds_since(before).items()
        }
        cores["server_processes"] = sorted(
            (round(s / seconds, 2) for r, s in used.values() if r == "server"), reverse=True
        )
        cores["machine"] = round((self.machine - before.machine) / seconds, 2)
        return cores

    def breakdown(
        self, before: CpuTimes, seconds: float, *, extra_seconds: Mapping[str, float] | None = None
    ) -> dict[str, Any]:
        """`cores_since`, plus `extra_seconds` (CPU seconds of processes outside the roles: the
        load generator, the bench process) as cores, and `other`: the machine's busy cores that
        none of them used (anything else running on the machine)."""
        extra = dict(extra_seconds or {})
        cores = self.cores_since(before, seconds)
        cores.update({name: round(used / seconds, 2) for name, used in extra.items()})
        known = sum(cores[role] for role in self.roles) + sum(cores[name] for name in extra)
        cores["other"] = round(max(0.0, cores["machine"] - known), 2)
        return cores

    def _used_since(self, before: CpuTimes) -> dict[int, tuple[str, float]]:
        return {
            pid: (role, seconds - before.processes.get(pid, (role, 0.0))[1])
            for pid, (role, seconds) in self.processes.items()
        }


def rusage_seconds(who: int) -> float:
    """CPU seconds of this process (`resource.RUSAGE_SELF`) or of its waited-for children
    (`resource.RUSAGE_CHILDREN`: the load generators, which run to completion)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime
