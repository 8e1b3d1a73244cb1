"""Accessible names for the beheer screens' inputs that Django's admin renders without a label.

A tabular inline puts each field's label in the column header only, and a split date/time
field labels its two inputs with plain text: a screen reader then announces an unnamed input.
These helpers give each such input an ``aria-label``: the field's label, and in an inline
which row it is in (``Bedrag (€), tarief 3``).
"""

from django import forms
from django.apps import apps
from django.contrib.admin.widgets import AdminSplitDateTime, RelatedFieldWidgetWrapper
from django.forms.models import BaseInlineFormSet
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def _name(widget: forms.Widget, label: str) -> None:
    # The wrapper's own ``attrs`` is its original widget's, shared by every form (Django's
    # __deepcopy__): the label goes on this form's copy of the wrapped widget.
    while isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    if not widget.is_hidden:
        widget.attrs["aria-label"] = label


def label_inputs(form: forms.BaseForm, row: str | None = None, *, split_only=False) -> None:
    """Give every visible input of ``form`` its label as accessible name (plus ``row``).

    With ``split_only`` only the inputs of split fields (date and time), whose ``<label>``
    names the pair but neither input.
    """
    for name, field in form.fields.items():
        if split_only and not isinstance(field.widget, forms.MultiWidget):
            continue
        label = capfirst(str(field.label if field.label is not None else name))
        if row:
            label = _("%(field)s, %(row)s") % {"field": label, "row": row}
        if isinstance(field.widget, forms.MultiWidget):
            parts = split_labels(field.widget)
            for widget, part in zip(field.widget.widgets, parts, strict=True):
                _name(widget, _("%(field)s: %(part)s") % {"field": label, "part": part})
        else:
            _name(field.widget, label)


def split_labels(widget: forms.MultiWidget) -> list[str]:
    if isinstance(widget, AdminSplitDateTime | forms.SplitDateTimeWidget):
        return [_("datum"), _("tijd")]
    return [str(n + 1) for n in range(len(widget.widgets))]


class LabelledInlineFormSet(BaseInlineFormSet):
    """An inline formset whose inputs name their field and row (for TabularInline)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)  # adds the DELETE box and the key fields
        kind = str(self.model._meta.verbose_name)
        if index is None:
            row = _("%(object)s (nieuw)") % {"object": kind}
        else:
            row = _("%(object)s %(n)s") % {"object": kind, "n": index + 1}
        label_inputs(form, row)


def permission_label(permission) -> str:
    """A permission as the beheer screens show it, in Dutch.

    Django stores the names of its own permissions in English ("Can add group"), once, when
    the tables are made; they are built from the action and the model, so they can be said
    again in Dutch. A permission of bwmo's own keeps its (Dutch) name.
    """
    verbs = {
        "add": _("toevoegen"),
        "change": _("wijzigen"),
        "delete": _("verwijderen"),
        "view": _("inzien"),
    }
    content_type = permission.content_type
    model = content_type.model_class()
    action = permission.codename.split("_", 1)[0]
    name = permission.name
    if (
        model is not None
        and action in verbs
        and permission.codename == (f"{action}_{model._meta.model_name}")
    ):
        name = f"{model._meta.verbose_name} {verbs[action]}"
    return f"{content_type} | {name}"


def boolean_icon(value) -> str:
    """Django's yes/no icon of the admin, with Dutch text (``alt``) instead of True/False."""
    name = {True: "yes", False: "no", None: "unknown"}[value]
    text = {True: _("ja"), False: _("nee"), None: _("onbekend")}[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{name}.svg"), text)


class WithoutLinkRows:
    """A ModelAdmin mixin: the deletion summary leaves out the rows that only link two records.

    Deleting a user, a role or a contract also deletes the rows of its many-to-many links
    (the user's roles, the contract's products). Django lists them by the names it gives the
    link tables itself, in English and with Django's own object numbers ("User-group-relatie:
    User_groups object (1)"); the records they point to are not deleted, so the summary says
    nothing useful with them.
    """

    def get_deleted_objects(self, objs, request):
        deleted = super().get_deleted_objects(objs, request)
        to_delete, model_count, perms_needed, protected = deleted
        links = [
            m._meta for m in apps.get_models(include_auto_created=True) if m._meta.auto_created
        ]
        prefixes = tuple(f"{capfirst(opts.verbose_name)}: " for opts in links)
        plurals = {str(opts.verbose_name_plural) for opts in links}

        def keep(items: list) -> list:
            kept: list = []
            for item in items:
                if isinstance(item, list):
                    nested = keep(item)
                    if nested:
                        kept.append(nested)
                elif not str(item).startswith(prefixes):
                    kept.append(item)
            return kept

        counts = {name: n for name, n in model_count.items() if str(name) not in plurals}
        return keep(to_delete), counts, perms_needed, protected
