"""The top-level group whose commands are imported when looked up: `assistant ask` pays for cli/knowledge.py
only, not for every command module (each subprocess of the CLI used to import all of them, ~1 s).

The names are known without importing anything, so `list_commands` (help, completion of a command name) and
typer's "did you mean" (which reads `commands.keys()`) see every command; `--help` loads them all for their
help lines."""
from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from importlib import import_module

import typer
from typer.core import TyperGroup
from typer.models import CommandInfo


class _Commands(MutableMapping):
    """name → click command, built from `specs` (name: (module, attribute)) on first access."""

    def __init__(self, package: str, specs: dict[str, tuple[str, str]], built: dict | None = None,
                 markup_mode=None) -> None:
        self.package, self.specs, self.markup_mode = package, dict(specs), markup_mode
        self.built = dict(built or {})
        self.order = [*self.specs, *(name for name in self.built if name not in self.specs)]

    def _build(self, name: str):
        module, attribute = self.specs[name]
        target = getattr(import_module(f"{self.package}.{module}"), attribute)
        if isinstance(target, typer.Typer):
            command = typer.main.get_group(target)
        else:
            command = typer.main.get_command_from_info(CommandInfo(name=name, callback=target),
                                                       pretty_exceptions_short=True,
                                                       rich_markup_mode=self.markup_mode)
        command.name = name
        return command

    def __getitem__(self, name: str):
        if name not in self.built:
            if name not in self.specs:
                raise KeyError(name)
            self.built[name] = self._build(name)
        return self.built[name]

    def __setitem__(self, name: str, command) -> None:
        if name not in self.order:
            self.order.append(name)
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        self.order.remove(name)
        self.specs.pop(name, None)
        self.built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.order))

    def __len__(self) -> int:
        return len(self.order)

    def __contains__(self, name: object) -> bool:
        return name in self.order


class LazyGroup(TyperGroup):
    """A TyperGroup over `_Commands`; `LazyGroup.of(package, specs)` is the class to pass as `typer.Typer(cls=…)`."""

    package: str = ""
    specs: dict[str, tuple[str, str]] = {}

    @classmethod
    def of(cls, package: str, specs: dict[str, tuple[str, str]]) -> type[LazyGroup]:
        return type("LazyGroup", (cls,), {"package": package, "specs": specs})

    def __init__(self, *, commands=None, **attrs) -> None:
        super().__init__(commands=commands, **attrs)
        self.commands = _Commands(self.package, self.specs, self.commands, self.rich_markup_mode)

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)
