"""Tests of the domain layer (a package of several modules), with the layer on sys.path as Lambda mounts it."""

import unittest
from decimal import Decimal

import lambda_local

lambda_local.activate(lambda_local.load_spec())

from domain import Money, ValidationError, parse_order, price_order  # noqa: E402
from domain.pricing import volume_discount_rate  # noqa: E402


def order(**overrides):
    data = {"customer": "c-1", "currency": "EUR", "lines": [{"sku": "A", "quantity": 2, "unitPrice": "9.99"}]}
    data.update(overrides)
    return data


class MoneyTest(unittest.TestCase):
    def test_adds_and_rounds_half_even(self):
        total = Money.of("0.125", "EUR") + Money.of("0.01", "EUR")
        self.assertEqual(total.rounded().amount, Decimal("0.14"))
        self.assertEqual(Money.of("0.125", "EUR").rounded().amount, Decimal("0.12"))

    def test_yen_has_no_minor_unit(self):
        self.assertEqual(Money.of("100.5", "JPY").to_json(), {"amount": "100", "currency": "JPY"})

    def test_rejects_floats_unknown_currencies_and_mixing(self):
        with self.assertRaisesRegex(ValueError, "never floats"):
            Money.of(1.5, "EUR")
        with self.assertRaisesRegex(ValueError, "unknown currency"):
            Money.of("1", "XXX")
        with self.assertRaisesRegex(ValueError, "cannot combine"):
            Money.of("1", "EUR") + Money.of("1", "USD")


class ParseOrderTest(unittest.TestCase):
    def test_parses_a_valid_order(self):
        parsed = parse_order(order())
        self.assertEqual(parsed.customer, "c-1")
        self.assertEqual(parsed.lines[0].unit_price, Money.of("9.99", "EUR"))

    def test_reports_every_problem_at_once(self):
        with self.assertRaises(ValidationError) as caught:
            parse_order({"customer": "", "currency": "EUR", "lines": [{"sku": "", "quantity": 0, "unitPrice": "x"}]})
        problems = caught.exception.problems
        self.assertEqual(len(problems), 4, problems)
        self.assertTrue(any(p.startswith("customer:") for p in problems))
        self.assertTrue(any(p.startswith("lines[0].quantity:") for p in problems))

    def test_rejects_an_unknown_currency_and_no_lines(self):
        with self.assertRaises(ValidationError) as caught:
            parse_order(order(currency="ABC", lines=[]))
        self.assertEqual(len(caught.exception.problems), 2)


class PricingTest(unittest.TestCase):
    def test_prices_with_volume_discount_and_tax(self):
        priced = price_order(parse_order(order(lines=[{"sku": "A", "quantity": 20, "unitPrice": "10.00"}])), Decimal("0.20"))
        self.assertEqual(priced.subtotal.amount, Decimal("200.00"))
        self.assertEqual(priced.discount.amount, Decimal("10.00"))
        self.assertEqual(priced.tax.amount, Decimal("38.00"))
        self.assertEqual(priced.total.to_json(), {"amount": "228.00", "currency": "EUR"})

    def test_discount_tiers(self):
        self.assertEqual(volume_discount_rate(1), Decimal(0))
        self.assertEqual(volume_discount_rate(20), Decimal("0.05"))
        self.assertEqual(volume_discount_rate(100), Decimal("0.10"))

    def test_rejects_an_impossible_tax_rate(self):
        with self.assertRaisesRegex(ValueError, "tax rate"):
            price_order(parse_order(order()), Decimal("1.5"))


if __name__ == "__main__":
    unittest.main()
