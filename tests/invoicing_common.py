from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class InvoicingCommon(AccountTestInvoicingCommon):
    """Acme (partner_a) is billed for Ann (senior: 100.00 until 2026-03-15,
    120.00 from the 16th) and Bob (junior: 80.00), on Acme ERP, with a 21% tax
    excluded from the price. All approved by Lea, the project's lead."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The accounting tests' own user sets things up: as a billing manager.
        cls.env.user.groups_id += cls.env.ref(
            "hr_timesheet_billing.group_timesheet_billing_manager"
        )
        cls.accountant = new_test_user(
            cls.env,
            login="htb_accountant",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.env.company.id,
        )
        cls.lea = new_test_user(
            cls.env,
            login="htb_lea_inv",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_approver",
        )
        cls.tax_21 = cls.env["account.tax"].create(
            {
                "name": "VAT 21%",
                "amount": 21.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
            }
        )
        cls.service = cls.env["product.product"].create(
            {
                "name": "Consulting",
                "type": "service",
                "uom_id": cls.env.ref("uom.product_uom_hour").id,
                "uom_po_id": cls.env.ref("uom.product_uom_hour").id,
                "taxes_id": [Command.set(cls.tax_21.ids)],
            }
        )
        Role = cls.env["timesheet.billing.role"]
        cls.senior = Role.create({"name": "Senior", "code": "SEN"})
        cls.junior = Role.create({"name": "Junior", "code": "JUN"})
        Rate = cls.env["timesheet.billing.rate"]
        Rate.create(
            [
                {
                    "role_id": cls.senior.id,
                    "hourly_rate": 100.0,
                    "date_to": "2026-03-15",
                },
                {
                    "role_id": cls.senior.id,
                    "hourly_rate": 120.0,
                    "date_from": "2026-03-16",
                },
                {"role_id": cls.junior.id, "hourly_rate": 80.0},
            ]
        )
        cls.ann = cls.env["hr.employee"].create(
            {"name": "Ann", "billing_role_id": cls.senior.id, "tz": "UTC"}
        )
        cls.bob = cls.env["hr.employee"].create(
            {"name": "Bob", "billing_role_id": cls.junior.id, "tz": "UTC"}
        )
        cls.project = cls.env["project.project"].create(
            {
                "name": "Acme ERP",
                "partner_id": cls.partner_a.id,
                "billing_code": "ACME-ERP",
                "invoice_product_id": cls.service.id,
                "user_id": cls.lea.id,
                "company_id": cls.env.company.id,
            }
        )
        cls.contract = cls.env["timesheet.billing.contract"].create(
            {
                "name": "Acme 2026",
                "partner_id": cls.partner_a.id,
                "project_ids": [Command.set(cls.project.ids)],
                "date_start": "2026-01-01",
                "customer_reference": "PO-4711",
            }
        )

    def setUp(self):
        super().setUp()
        frozen = freeze_time("2026-04-02 10:00:00")
        frozen.start()
        self.addCleanup(frozen.stop)

    def approved(self, *entries, project=None):
        """Timesheets (employee, day, hours), submitted and approved."""
        lines = self.env["account.analytic.line"].create(
            [
                {
                    "name": f"Work {index}",
                    "project_id": (project or self.project).id,
                    "employee_id": employee.id,
                    "date": day,
                    "unit_amount": hours,
                }
                for index, (employee, day, hours) in enumerate(entries)
            ]
        )
        lines.action_submit()
        lines.with_user(self.lea).action_approve()
        return lines

    def invoice(self, **values):
        wizard = Form(self.env["timesheet.billing.invoice"].with_user(self.accountant))
        wizard.date_to = date(2026, 3, 31)
        wizard.invoice_date = date(2026, 4, 1)
        for name, value in values.items():
            setattr(wizard, name, value)
        wizard = wizard.save()
        action = wizard.action_create_invoices()
        if action.get("res_id"):
            return self.env["account.move"].browse(action["res_id"])
        return self.env["account.move"].search(action["domain"])

    def standard_month(self):
        return self.approved(
            (self.ann, date(2026, 3, 10), 4.0),
            (self.ann, date(2026, 3, 20), 2.0),
            (self.bob, date(2026, 3, 12), 5.0),
        )

    def _credit_note(self, invoice):
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "date": date(2026, 4, 2)})
        )
        action = reversal.refund_moves()
        return self.env["account.move"].browse(action["res_id"])
