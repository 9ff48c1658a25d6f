"""Input forms for the money screens. Amounts are typed as decimals and parsed per currency."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heed.core.money import MoneyError, parse_amount
from heed.payments.models import Channel, Payment


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


class CurrencyFormMixin:
    """Forms that know the account's currency, to parse amounts into minor units."""

    currency: str

    def _amount(self, name: str, *, required: bool = True) -> int | None:
        raw = self.cleaned_data.get(name)  # type: ignore[attr-defined]
        if not raw:
            if required:
                raise forms.ValidationError(_("This field is required."))
            return None
        try:
            value = parse_amount(raw, self.currency)
        except MoneyError as exc:
            raise forms.ValidationError(str(exc))
        if value <= 0:
            raise forms.ValidationError(_("Must be greater than zero."))
        return value


class PaymentForm(CurrencyFormMixin, forms.Form):
    amount = forms.CharField(label=_("Amount"), max_length=30)
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices)
    received_at = forms.DateTimeField(label=_("Received at"), widget=DateTimeInput)
    external_ref = forms.CharField(label=_("Reference"), max_length=100, required=False)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["received_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def clean_amount(self) -> int | None:
        return self._amount("amount")


class PromiseForm(CurrencyFormMixin, forms.Form):
    amount = forms.CharField(label=_("Amount"), max_length=30)
    due_date = forms.DateField(label=_("Promised date"), widget=DateInput)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_amount(self) -> int | None:
        return self._amount("amount")


class PlanForm(CurrencyFormMixin, forms.Form):
    frequency = forms.ChoiceField(
        label=_("Frequency"),
        choices=[
            ("weekly", _("Weekly")),
            ("fortnightly", _("Fortnightly")),
            ("monthly", _("Monthly")),
        ],
    )
    first_date = forms.DateField(label=_("First installment"), widget=DateInput)
    count = forms.IntegerField(
        label=_("Number of installments"), min_value=1, max_value=360, required=False
    )
    installment_amount = forms.CharField(
        label=_("or installment amount"), max_length=30, required=False
    )
    total = forms.CharField(label=_("Total (default: balance owed)"), max_length=30, required=False)
    replaces = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_installment_amount(self) -> int | None:
        return self._amount("installment_amount", required=False)

    def clean_total(self) -> int | None:
        return self._amount("total", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not data.get("count")
            and not data.get("installment_amount")
            and "count" not in self.errors
            and "installment_amount" not in self.errors
        ):
            self.add_error("count", _("Give either a number of installments or an amount."))
        if data.get("count") and data.get("installment_amount"):
            self.add_error("count", _("Give either a number of installments or an amount."))
        return data


class SettlementForm(CurrencyFormMixin, forms.Form):
    amount = forms.CharField(label=_("Settlement amount"), max_length=30)
    expires_on = forms.DateField(label=_("Offer expires on"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_amount(self) -> int | None:
        return self._amount("amount")


class ReversalForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("Reason"), choices=Payment.ReversalReason.choices)
    note = forms.CharField(label=_("Explanation"), max_length=500)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class RemittanceForm(forms.Form):
    creditor: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Creditor"),
        queryset=None,  # type: ignore[arg-type]  # set per user in __init__
    )
    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("To"), widget=DateInput)

    def __init__(self, *args: Any, creditors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["creditor"].queryset = creditors  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end is before the start."))
        return data
