from datetime import date

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .common import CommittedConnections


@tagged("post_install", "-at_install")
class TestInvoicingConcurrency(CommittedConnections, TransactionCase):
    """Two invoicing runs at once, on two real database connections: the lines
    one run holds are skipped by the other, never put on two invoices.

    The timesheets must be committed for the second connection to see them;
    they are created, then removed, on connections of their own.
    """

    def setUp(self):
        super().setUp()
        with self._connection() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            if not env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
            ):
                self.skipTest("the main company has no sales journal")
            partner = env["res.partner"].create(
                {"name": "Concurrent Customer", "is_company": True}
            )
            role = env["timesheet.billing.role"].create(
                {"name": "Concurrent role", "code": "CONC"}
            )
            env["timesheet.billing.rate"].create(
                {"role_id": role.id, "hourly_rate": 50.0, "company_id": company.id}
            )
            employee = env["hr.employee"].create(
                {
                    "name": "Concurrent Worker",
                    "billing_role_id": role.id,
                    "company_id": company.id,
                    "tz": "UTC",
                }
            )
            project = env["project.project"].create(
                {
                    "name": "Concurrent Project",
                    "partner_id": partner.id,
                    "company_id": company.id,
                }
            )
            lines = env["account.analytic.line"].create(
                [
                    {
                        "name": f"Concurrent {day}",
                        "project_id": project.id,
                        "employee_id": employee.id,
                        "date": date(2026, 3, day),
                        "unit_amount": 2.0,
                    }
                    for day in (2, 3, 4)
                ]
            )
            contract = env["timesheet.billing.contract"].create(
                {
                    "name": "Concurrent monthly",
                    "partner_id": partner.id,
                    "project_ids": [(6, 0, project.ids)],
                    "date_start": date(2026, 1, 1),
                    "invoicing_cycle": "monthly",
                }
            )
            lines._transition("approved")
            lines._freeze_bill_rate()
            # Committed on a connection of its own, for the other connections.
            cr.commit()  # pylint: disable=invalid-commit
            self.ids = {
                "partner": partner.id,
                "role": role.id,
                "employee": employee.id,
                "project": project.id,
                "lines": lines.ids,
                "contract": contract.id,
                "company": company.id,
            }
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self._connection() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            lines = env["account.analytic.line"].browse(self.ids["lines"]).exists()
            weeks = lines.week_id
            env["account.move"].search(
                [("partner_id", "=", self.ids["partner"])]
            ).with_context(force_delete=True).unlink()
            lines._write_in_bulk({"billing_state": "draft"})
            lines.unlink()
            weeks.unlink()
            env["timesheet.billing.contract"].browse(self.ids["contract"]).unlink()
            project = env["project.project"].browse(self.ids["project"])
            account = project.account_id
            project.unlink()
            account.unlink()
            env["hr.employee"].browse(self.ids["employee"]).unlink()
            env["timesheet.billing.rate"].search(
                [("role_id", "=", self.ids["role"])]
            ).unlink()
            env["timesheet.billing.role"].browse(self.ids["role"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def _run(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})
        wizard = env["timesheet.billing.invoice"].create(
            {
                "company_id": self.ids["company"],
                "project_ids": [(6, 0, [self.ids["project"]])],
                "date_to": date(2026, 3, 31),
                "invoice_date": date(2026, 4, 1),
            }
        )
        return env, wizard.action_create_invoices()

    def test_two_runs_at_once(self):
        with self._connection() as first, self._connection() as second:
            env_first, action = self._run(first)  # holds the lines, uncommitted
            invoice = env_first["account.move"].browse(action["res_id"])
            self.assertEqual(len(invoice.invoice_line_ids.timesheet_line_ids), 3)
            with self.assertRaises(UserError) as refused:
                self._run(second)
            self.assertIn("another run is invoicing them", str(refused.exception))
            second.rollback()
            first.commit()
        with self._connection() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            lines = env["account.analytic.line"].browse(self.ids["lines"])
            self.assertEqual(set(lines.mapped("billing_state")), {"invoiced"})
            self.assertEqual(len(lines.invoice_id), 1)
            self.assertAlmostEqual(lines.invoice_id.amount_untaxed, 300.0)

    def test_the_scheduled_job_beside_a_run_of_the_wizard(self):
        """The contract's monthly job runs while an accountant's run holds the
        same lines: it leaves them to that run, and never invoices them
        again once that run is committed."""
        with self._connection() as first, self._connection() as second:
            _env, action = self._run(first)  # holds the lines, uncommitted
            env = api.Environment(second, SUPERUSER_ID, {})
            contract = env["timesheet.billing.contract"].browse(self.ids["contract"])
            contract._create_scheduled_invoice(date(2026, 4, 2))
            self.assertFalse(
                env["account.move"].search([("partner_id", "=", self.ids["partner"])])
            )
            second.rollback()
            first.commit()
        with self._connection() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            contract = env["timesheet.billing.contract"].browse(self.ids["contract"])
            contract._create_scheduled_invoice(date(2026, 4, 2))
            invoices = env["account.move"].search(
                [("partner_id", "=", self.ids["partner"])]
            )
            self.assertEqual(invoices.ids, [action["res_id"]])
            self.assertAlmostEqual(invoices.amount_untaxed, 300.0)  # 3 x 2 h x 50.00
            self.assertEqual(contract.last_invoice_date, date(2026, 3, 31))
            cr.commit()  # pylint: disable=invalid-commit
