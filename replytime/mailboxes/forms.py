"""Forms built from a connector's declared parameters (see connectors.base.Parameter)."""

from __future__ import annotations

from typing import Any

from django import forms

from replytime.mailboxes.connectors.base import Parameter
from replytime.mailboxes.connectors.registry import connector_class


def _field(parameter: Parameter) -> forms.Field:
    common: dict[str, Any] = {
        "label": parameter.label,
        "required": parameter.required,
        "help_text": parameter.help,
    }
    if parameter.secret:
        return forms.CharField(
            widget=forms.PasswordInput(render_value=False), strip=False, **common
        )
    if parameter.kind == "int":
        return forms.IntegerField(min_value=1, max_value=65535, **common)
    if parameter.kind == "bool":
        return forms.BooleanField(**{**common, "required": False})
    if parameter.kind == "choice":
        return forms.ChoiceField(choices=parameter.choices, initial=parameter.default, **common)
    if parameter.kind in ("list", "pem"):
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    return forms.CharField(max_length=500, **common)


class ConnectorForm(forms.Form):
    """The settings of one connector; `values()` gives them typed, lists split into lines."""

    def __init__(self, kind: str, *args: Any, initial_user: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.parameters = connector_class(kind).parameters
        for parameter in self.parameters:
            self.fields[parameter.name] = _field(parameter)
        if "user" in self.fields and initial_user:
            self.fields["user"].initial = initial_user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        secret_names = [p.name for p in self.parameters if p.secret]
        if secret_names and not any(data.get(name) for name in secret_names):
            labels = " or ".join(p.label.lower() for p in self.parameters if p.secret)
            raise forms.ValidationError(f"Enter a {labels}.")
        return data

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for parameter in self.parameters:
            value = self.cleaned_data.get(parameter.name)
            if parameter.kind == "list" and isinstance(value, str):
                value = [line.strip() for line in value.splitlines() if line.strip()]
            values[parameter.name] = value
        return values
