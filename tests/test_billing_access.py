from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import TimesheetBillingSetupCommon


@tagged("post_install", "-at_install")
class TestBillingAccess(TimesheetBillingSetupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.senior_card = cls.rate(100.0, role_id=cls.senior.id)
        cls.project_manager = new_test_user(
            cls.env,
            login="htb_project_manager",
            groups="base.group_user,project.group_project_manager",
        )

    def test_employee_logs_time_priced_without_seeing_rates(self):
        """Ann logs her own time: it is priced, she sees her role and whether it
        is billable, not the rate nor the amount."""
        Line = self.env["account.analytic.line"].with_user(self.timesheet_user)
        line = Line.create(
            {
                "name": "Analysis",
                "project_id": self.project_acme.id,
                "date": self.day,
                "unit_amount": 3.0,
            }
        )
        self.assertEqual(line.employee_id, self.ann)
        [values] = line.read(["billing_role_id", "is_billable", "billable_hours"])
        self.assertEqual(values["billing_role_id"][0], self.senior.id)
        self.assertTrue(values["is_billable"])
        for field in ("bill_rate", "bill_amount", "bill_rate_card_id"):
            with self.assertRaises(AccessError):
                line.read([field])
        # 3 h x 100.00 = 300.00, seen by the approver
        self.assertEqual(line.with_user(self.approver).bill_amount, 300.0)

    def test_employee_cannot_change_billing(self):
        line = self.log(2)
        as_employee = line.with_user(self.timesheet_user)
        for values in (
            {"exclude_from_billing": True},
            {"billable_hours": 1.0, "billable_hours_reason": "mine"},
            {"billing_role_id": self.junior.id},
        ):
            with self.assertRaises(AccessError):
                as_employee.write(values)
        as_employee.write({"unit_amount": 2.5})
        self.assertEqual(line.sudo().bill_amount, 250.0)

    def test_nobody_writes_the_pricing(self):
        """The rate cards price a line and approval freezes it: a value
        written by hand would stick on a frozen line."""
        line = self.log(2)
        for user in (self.approver, self.billing_manager, self.settings_admin):
            for values in ({"bill_rate_frozen": True}, {"bill_rate": 1.0}):
                with self.assertRaises(AccessError):
                    line.with_user(user).write(values)
        with self.assertRaisesRegex(AccessError, "never set by hand"):
            line.with_user(self.billing_manager).write({"bill_amount": 1.0})
        self.assertEqual(line.sudo().bill_amount, 200.0)

    def test_rate_cards_rights(self):
        Rate = self.env["timesheet.billing.rate"]
        with self.assertRaises(AccessError):
            Rate.with_user(self.timesheet_user).search([])
        self.assertEqual(Rate.with_user(self.approver).search([]), self.senior_card)
        with self.assertRaises(AccessError):
            Rate.with_user(self.approver).create(
                {"role_id": self.junior.id, "hourly_rate": 1.0}
            )
        card = Rate.with_user(self.billing_manager).create(
            {"role_id": self.junior.id, "hourly_rate": 70.0}
        )
        card.hourly_rate = 75.0
        card.unlink()

    def test_roles_and_assignments_rights(self):
        Role = self.env["timesheet.billing.role"]
        self.assertIn(self.senior, Role.with_user(self.timesheet_user).search([]))
        with self.assertRaises(AccessError):
            Role.with_user(self.timesheet_user).create({"name": "X", "code": "X"})
        Role.with_user(self.billing_manager).create({"name": "Expert", "code": "EXP"})
        Assignment = self.env["timesheet.billing.assignment"]
        values = {
            "project_id": self.project_acme.id,
            "employee_id": self.bob.id,
            "role_id": self.senior.id,
        }
        with self.assertRaises(AccessError):
            Assignment.with_user(self.timesheet_user).create(values)
        Assignment.with_user(self.project_manager).create(values)

    def test_rates_hidden_from_employee_views(self):
        Line = self.env["account.analytic.line"]
        view = self.env.ref("hr_timesheet.hr_timesheet_line_tree")
        for user, visible in ((self.timesheet_user, False), (self.approver, True)):
            arch = Line.with_user(user).get_views([(view.id, "list")])["views"]["list"][
                "arch"
            ]
            self.assertEqual('name="bill_amount"' in arch, visible, user.login)
            self.assertIn('name="non_billable_reason"', arch)

    def test_other_company_cards(self):
        """A card of another company is neither seen nor used."""
        other = self.env["res.company"].create({"name": "Other Co"})
        self.env["timesheet.billing.rate"].create(
            {"role_id": self.senior.id, "hourly_rate": 999.0, "company_id": other.id}
        )
        self.assertEqual(
            self.env["timesheet.billing.rate"]
            .with_user(self.billing_manager)
            .search([]),
            self.senior_card,
        )
        self.assertEqual(self.log(1).sudo().bill_rate, 100.0)

    def test_employees_find_their_week_in_the_menu(self):
        """hr_timesheet shows plain users a flat Timesheets app: they get their
        own Submit My Week and My Weeks entries, approvers the ones of the
        Timesheets dropdown instead (never both)."""
        own = {
            "hr_timesheet_billing.timesheet_billing_submit_week_employee_menu",
            "hr_timesheet_billing.timesheet_billing_week_employee_menu",
        }
        dropdown = {
            "hr_timesheet_billing.timesheet_billing_submit_week_menu",
            "hr_timesheet_billing.timesheet_billing_week_menu",
        }

        def visible(user):
            menus = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
            return {
                menu.get("xmlid") for menu in menus.values() if isinstance(menu, dict)
            }

        self.assertEqual(visible(self.timesheet_user) & (own | dropdown), own)
        self.assertEqual(visible(self.approver) & (own | dropdown), dropdown)

    def test_invoicing_users_find_invoicing_and_accrual(self):
        """Community's invoicing users (no full accounting features) reach both
        month-end tools under Invoicing › Customers."""
        accountant = new_test_user(
            self.env,
            login="htb_menu_accountant",
            groups="base.group_user,account.group_account_invoice",
        )
        self.assertFalse(accountant.has_group("account.group_account_readonly"))
        menus = self.env["ir.ui.menu"].with_user(accountant).load_menus(debug=False)
        visible = {
            menu.get("xmlid") for menu in menus.values() if isinstance(menu, dict)
        }
        self.assertLessEqual(
            {
                "hr_timesheet_billing.timesheet_billing_invoice_menu",
                "hr_timesheet_billing.timesheet_billing_accrual_menu",
            },
            visible,
        )
