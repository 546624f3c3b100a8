from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import TimesheetBillingSetupCommon


@tagged("post_install", "-at_install")
class TestProjectBillingTerms(TimesheetBillingSetupCommon):
    def test_default_timesheet_billing_type(self):
        Project = self.env["project.project"]
        self.assertEqual(self.project_acme.timesheet_billing_type, "time_material")
        self.assertEqual(self.project_internal.timesheet_billing_type, "non_billable")
        self.assertEqual(self.project_fixed.timesheet_billing_type, "fixed_price")
        with Form(Project) as form:
            form.name = "New for Globex"
            self.assertEqual(form.timesheet_billing_type, "non_billable")
            form.partner_id = self.globex
            self.assertEqual(form.timesheet_billing_type, "time_material")
        # Existing projects keep their terms when their customer changes.
        with Form(self.project_internal) as form:
            form.partner_id = self.globex
        self.assertEqual(self.project_internal.timesheet_billing_type, "non_billable")

    def test_install_bills_customer_projects_by_the_hour(self):
        self.project_internal.partner_id = self.acme
        self.env["project.project"]._init_timesheet_billing_type_from_customer()
        self.assertEqual(self.project_internal.timesheet_billing_type, "time_material")
        self.assertEqual(self.project_fixed.timesheet_billing_type, "fixed_price")

    def test_invoiced_service_defaults_to_the_company_product(self):
        self.assertEqual(
            self.project_acme.invoice_product_id,
            self.env.ref("hr_timesheet_billing.product_product_billable_time"),
        )

    def test_billing_code_unique_per_company(self):
        Project = self.env["project.project"]
        other = self.env["res.company"].create({"name": "Other Co"})
        mine = Project.create(
            {"name": "Mine", "billing_code": "CODE-1", "company_id": self.company.id}
        )
        Project.create(
            {"name": "Elsewhere", "billing_code": "CODE-1", "company_id": other.id}
        )
        with self.assertRaises(ValidationError) as refused:
            Project.create(
                {
                    "name": "Twin",
                    "billing_code": "CODE-1",
                    "company_id": self.company.id,
                }
            )
        self.assertIn("Mine", str(refused.exception))
        # A shared project (no company) clashes with every company's code.
        with self.assertRaises(ValidationError):
            Project.create({"name": "Shared", "billing_code": "CODE-1"})
        mine.billing_code = "CODE-2"

    def test_project_manager_sets_terms(self):
        manager = new_test_user(
            self.env,
            login="htb_lead",
            groups="base.group_user,project.group_project_manager",
        )
        project = self.project_acme.with_user(manager)
        project.write(
            {
                "timesheet_billing_type": "fixed_price",
                "budget_hours": 120.0,
                "budget_amount": 12000.0,
            }
        )
        self.assertEqual(self.project_acme.budget_amount, 12000.0)
        self.rate(100.0, role_id=self.senior.id)
        self.assertEqual(self.log(1).non_billable_reason, "project_type")
