from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import TimesheetBillingSetupCommon


@tagged("post_install", "-at_install")
class TestContract(TimesheetBillingSetupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rate(100.0, role_id=cls.senior.id)
        cls.contract = cls.contract_for(
            "Acme Q1",
            date(2026, 1, 1),
            date(2026, 3, 31),
            cap_hours=10.0,
            cap_amount=1000.0,
            customer_reference="PO-4711",
        )

    @classmethod
    def contract_for(cls, name, start, end, projects=None, **values):
        return (
            cls.env["timesheet.billing.contract"]
            .with_user(cls.billing_manager)
            .create(
                {
                    "name": name,
                    "partner_id": cls.acme.id,
                    "project_ids": [(6, 0, (projects or cls.project_acme).ids)],
                    "date_start": start,
                    "date_end": end,
                    **values,
                }
            )
        )

    def test_lines_know_their_contract(self):
        first = self.log(1, day=date(2026, 1, 1))
        last = self.log(1, day=date(2026, 3, 31))
        after = self.log(1, day=date(2026, 4, 1))
        other_project = self.log(1, project=self.project_acme_support)
        self.assertEqual(first.contract_id, self.contract)
        self.assertEqual(last.contract_id, self.contract)
        self.assertFalse(after.contract_id)
        self.assertFalse(other_project.contract_id)
        renewal = self.contract_for("Acme Q2", date(2026, 4, 1), date(2026, 6, 30))
        self.assertEqual(after.contract_id, renewal)
        self.contract.date_end = date(2026, 3, 30)
        self.assertFalse(last.contract_id)

    def test_consumption(self):
        self.log(4)
        self.log(2.5, exclude_from_billing=True)
        self.log(1.5, day=date(2026, 2, 10))
        contract = self.contract.with_user(self.approver)
        # billable: 4 + 1.5 = 5.5 h, 5.5 x 100.00 = 550.00
        self.assertEqual(contract.consumed_hours, 5.5)
        self.assertEqual(contract.consumed_amount, 550.0)

    def test_one_contract_per_project_and_day(self):
        with self.assertRaises(ValidationError) as refused:
            self.contract_for("Acme March", date(2026, 3, 1), date(2026, 3, 31))
        message = str(refused.exception)
        self.assertIn("Acme Q1", message)
        self.assertIn("Acme March", message)
        self.assertIn("Acme ERP", message)
        self.contract_for(
            "Acme support", date(2026, 3, 1), None, projects=self.project_acme_support
        )

    def test_projects_of_the_customer_only(self):
        with self.assertRaises(ValidationError) as refused:
            self.contract_for(
                "Wrong", date(2027, 1, 1), None, projects=self.project_globex
            )
        self.assertIn("Globex Audit", str(refused.exception))

    def test_values_checked(self):
        with self.assertRaises(ValidationError):
            self.contract_for("Backwards", date(2027, 2, 1), date(2027, 1, 1))
        with self.assertRaises(ValidationError):
            self.contract_for("Negative", date(2027, 1, 1), None, cap_hours=-1.0)
