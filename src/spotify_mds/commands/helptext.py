"""What `--help` shows of each option: its type (INTEGER, PATH, …) and the default it really gets.

Typer ≥ 0.2x draws every option's type from its annotation as `<int>`, `<bool>`, and shows it for
flags too (`--help <bool>`); an option whose value falls back to a setting (`--users` → USER_COUNT)
has None as its Python default, so its help shows no default at all. `HelpGroup`, the root's class,
labels every option of every command (those added later by other rooms too) when Typer hands a
command to click: flags get no type column, the others a click-style type name, and an option whose
help names its setting in parentheses, `(USER_COUNT)`, shows that setting's value as its default,
from the environment and `.env` as the command would read it. Nothing changes how a value parses.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from typer.core import TyperGroup

_TYPES = {"int": "INTEGER", "float": "FLOAT", "str": "TEXT", "bool": "BOOLEAN", "datetime": "DATETIME"}
_SETTING = re.compile(r"[(;]\s*([A-Z][A-Z0-9_]{2,})\s*[;)]")
"""A setting named in an option's help: `(USER_COUNT)`, `(UTC; QUALITY_AS_OF; default now)`."""


def type_label(param: Any, ctx: Any) -> str:
    """`INTEGER`, `FLOAT`, `PATH`, `a|b`…, or "" for a flag (it takes no value)."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    shown = param.display_type(ctx).strip("<>")
    if shown.startswith("list[") and shown.endswith("]"):  # a repeated value: its element's type
        shown = shown[5:-1]
    if "%" in shown:  # click's DateTime with its formats: a date, or a date and time
        return "DATETIME" if "%H" in shown else "DATE"
    if "|" in shown:  # choices: as Typer spells them
        return shown
    words = shown.split()
    return " ".join(_TYPES.get(word, word.upper()) for word in words)


def setting_defaults() -> dict[str, str]:
    """Each setting's variable → its effective value as text (secrets and unset values left out)."""
    from pydantic import SecretStr

    from spotify_mds.settings import Settings, load_settings

    try:
        settings: Settings | None = load_settings()
    except Exception:  # a bad value is the command's error to report; help still shows the defaults
        settings = None
    shown: dict[str, str] = {}
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name) if settings is not None else field.default
        if value is None or isinstance(value, SecretStr) or value == "":
            continue
        if isinstance(value, float):
            value = f"{value:g}"
        elif isinstance(value, datetime):
            value = value.isoformat().replace("+00:00", "Z")
        alias = field.validation_alias
        for variable in getattr(alias, "choices", [alias]):
            if isinstance(variable, str):
                shown[variable] = f"{variable}={value}"
    return shown


def label(command: Any, ctx: Any, defaults: dict[str, str]) -> None:
    """Label the options of `command` (and of its sub-commands, for a group), in place."""
    for param in command.get_params(ctx):
        if getattr(param, "param_type_name", "") == "argument" and hasattr(param, "display_type"):
            # An argument's metavar is its name in the usage line; its type goes in the type column.
            shown = type_label(param, ctx)
            param.metavar = (param.name or "value").upper()
            param.display_type_rich = lambda ctx, shown=shown: shown
        elif hasattr(param, "display_type"):  # Typer ≥ 0.2x; older ones already print click's names
            param.metavar = type_label(param, ctx)
        if param.default is None and not isinstance(getattr(param, "show_default", None), str):
            for variable in _SETTING.findall(getattr(param, "help", None) or ""):
                if variable in defaults:
                    param.show_default = defaults[variable]
                    break
    for sub in getattr(command, "commands", {}).values():
        label(sub, ctx, defaults)


class HelpGroup(TyperGroup):
    """The root group: options labelled as above, for itself and every command it hands out."""

    def get_params(self, ctx: Any) -> list:
        params = super().get_params(ctx)
        for param in params:
            if hasattr(param, "display_type"):
                param.metavar = type_label(param, ctx)
        return params

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None and not getattr(command, "_labelled", False):
            if "spotify_mds.setting_defaults" not in ctx.meta:  # once per invocation
                ctx.meta["spotify_mds.setting_defaults"] = setting_defaults()
            label(command, ctx, ctx.meta["spotify_mds.setting_defaults"])
            command._labelled = True
        return command
