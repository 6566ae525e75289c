"""The daily-report handler, run with the common layer on sys.path as Lambda mounts it."""

import io
import unittest
from contextlib import redirect_stdout

import lambda_local

SPEC = lambda_local.load_spec()
handler = lambda_local.load_handler(SPEC)


def priced(total, currency, *lines):
    return {"total": {"amount": total, "currency": currency}, "lines": [{"sku": s, "quantity": q} for s, q in lines]}


class DailyReportTest(unittest.TestCase):
    def invoke(self, event):
        with redirect_stdout(io.StringIO()):
            return handler(event, lambda_local.context_for(SPEC))

    def test_a_scheduled_run_reports_on_the_day_before(self):
        # What its schedule sends (EventBridge Scheduler's <aws.scheduler.scheduled-time>).
        report = self.invoke({"scheduledTime": "2026-11-21T06:00:00Z"})
        self.assertEqual(report["date"], "2026-11-20")
        self.assertEqual(report["orders"], 0)

    def test_summarises_revenue_per_currency_and_best_sellers(self):
        report = self.invoke({
            "date": "2026-11-20",
            "orders": [
                priced("10.50", "EUR", ("A", 2), ("B", 1)),
                priced("4.50", "EUR", ("B", 5)),
                priced("700", "JPY", ("C", 1)),
                {"broken": True},
            ],
        })
        self.assertEqual(report["date"], "2026-11-20")
        self.assertEqual(report["orders"], 3)
        self.assertEqual(report["skipped"], 1)
        self.assertEqual(report["revenue"], {"EUR": "15.00", "JPY": "700"})
        self.assertEqual(report["bestSellers"], [{"sku": "B", "quantity": 6}, {"sku": "A", "quantity": 2}, {"sku": "C", "quantity": 1}])

    def test_an_empty_day(self):
        self.assertEqual(self.invoke({})["orders"], 0)

    def test_orders_that_are_not_a_list(self):
        self.assertIn("error", self.invoke({"orders": "x"}))


if __name__ == "__main__":
    unittest.main()
