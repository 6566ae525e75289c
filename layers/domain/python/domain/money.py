"""Amounts of money as exact decimals in one currency, rounded the way invoices are."""

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Union

CURRENCIES = {"EUR": 2, "USD": 2, "GBP": 2, "JPY": 0}


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    @staticmethod
    def of(amount: Union[str, int, Decimal], currency: str) -> "Money":
        if currency not in CURRENCIES:
            raise ValueError(f"unknown currency {currency!r}; use one of {', '.join(sorted(CURRENCIES))}")
        if isinstance(amount, float):
            raise ValueError("amounts must be strings or integers, never floats")
        try:
            value = Decimal(str(amount))
        except InvalidOperation as error:
            raise ValueError(f"{amount!r} is not an amount") from error
        if not value.is_finite():
            raise ValueError(f"{amount!r} is not a finite amount")
        return Money(value, currency)

    @staticmethod
    def zero(currency: str) -> "Money":
        return Money.of(0, currency)

    def __add__(self, other: "Money") -> "Money":
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def times(self, factor: Union[int, Decimal]) -> "Money":
        return Money(self.amount * Decimal(factor), self.currency)

    def rounded(self) -> "Money":
        exponent = Decimal(1).scaleb(-CURRENCIES[self.currency])
        return Money(self.amount.quantize(exponent, rounding=ROUND_HALF_EVEN), self.currency)

    def to_json(self) -> dict:
        return {"amount": str(self.rounded().amount), "currency": self.currency}

    def _same_currency(self, other: "Money") -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")
