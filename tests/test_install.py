from lxml import etree

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import TimesheetBillingCommon


@tagged("post_install", "-at_install")
class TestInstall(TimesheetBillingCommon):
    def _settings_arch(self, user):
        settings = self.env["res.config.settings"].with_user(user)
        views = settings.get_views([(False, "form")])
        return etree.fromstring(views["views"]["form"]["arch"])

    def test_settings_section(self):
        """The Settings page has a "Timesheet Billing" section for administrators."""
        arch = self._settings_arch(self.settings_admin)
        [section] = arch.xpath("//app[@name='hr_timesheet_billing']")
        self.assertEqual(section.get("string"), "Timesheet Billing")
        self.assertTrue(
            section.xpath(".//block[@name='timesheet_billing_invoicing']"),
            "the section holds the invoicing block later features extend",
        )
        self.assertTrue(section.xpath(".//field[@name='timesheet_billing_product_id']"))
        self.assertTrue(section.xpath(".//field[@name='timesheet_lock_date']"))

    def test_settings_save_on_company(self):
        """An administrator sets the default product; it lands on the company."""
        product = self.env["product.product"].create(
            {"name": "Senior consulting", "type": "service"}
        )
        settings = self.env["res.config.settings"].with_user(self.settings_admin)
        with Form(settings) as form:
            form.timesheet_billing_product_id = product
        self.assertEqual(self.env.company.timesheet_billing_product_id, product)

    def test_settings_refused_to_employees(self):
        settings = self.env["res.config.settings"].with_user(self.timesheet_user)
        with self.assertRaises(AccessError):
            settings.create({})

    def test_menus(self):
        """Timesheets › Configuration holds Settings and Billing Settings."""
        configuration = self.env.ref("hr_timesheet.hr_timesheet_menu_configuration")
        billing = self.env.ref("hr_timesheet_billing.res_config_settings_menu")
        timesheet = self.env.ref("hr_timesheet_billing.timesheet_settings_menu")
        self.assertEqual(billing.parent_id, configuration)
        self.assertEqual(timesheet.parent_id, configuration)
        self.assertEqual(billing.action.res_model, "res.config.settings")
        self.assertIn("'module': 'hr_timesheet_billing'", billing.action.context)
        self.assertEqual(
            timesheet.action,
            self.env.ref("hr_timesheet.hr_timesheet_config_settings_action"),
        )
        menus = self.env["ir.ui.menu"]
        visible = menus.with_user(self.settings_admin)._visible_menu_ids()
        self.assertTrue({billing.id, timesheet.id, configuration.id} <= visible)
        hidden = menus.with_user(self.timesheet_user)._visible_menu_ids()
        self.assertFalse({billing.id, timesheet.id} & hidden)

    def test_billing_configuration_menus(self):
        """Roles, rate cards and contracts: seen by approvers and billing
        managers, not by employees."""
        menus = [
            self.env.ref(f"hr_timesheet_billing.timesheet_billing_{name}_menu")
            for name in ("rule", "role", "rate", "contract")
        ]
        configuration = self.env.ref("hr_timesheet.hr_timesheet_menu_configuration")
        Menu = self.env["ir.ui.menu"]
        for user in (self.approver, self.billing_manager):
            visible = Menu.with_user(user)._visible_menu_ids()
            for menu in (configuration, *menus):
                self.assertIn(menu.id, visible, f"{menu.name} for {user.login}")
        hidden = Menu.with_user(self.timesheet_user)._visible_menu_ids()
        self.assertNotIn(configuration.id, hidden)

    def test_uninstall_gives_configuration_back(self):
        from ..hooks import uninstall_hook

        configuration = self.env.ref("hr_timesheet.hr_timesheet_menu_configuration")
        self.assertFalse(configuration.action)
        uninstall_hook(self.env)
        self.assertEqual(
            configuration.action,
            self.env.ref("hr_timesheet.hr_timesheet_config_settings_action"),
        )
        self.assertNotIn(
            self.env.ref("hr_timesheet.group_hr_timesheet_approver"),
            configuration.groups_id,
        )
        rule = self.env.ref("hr_timesheet.timesheet_line_rule_approver")
        self.assertIn("privacy_visibility", rule.domain_force)
        self.assertNotIn("billing_approver_id", rule.domain_force)

    def test_approval_menus(self):
        """Employees submit their week; approvers see what to approve."""
        submit = self.env.ref("hr_timesheet_billing.timesheet_billing_submit_week_menu")
        to_approve = self.env.ref(
            "hr_timesheet_billing.timesheet_billing_to_approve_menu"
        )
        Menu = self.env["ir.ui.menu"]
        employee_menus = Menu.with_user(self.timesheet_user)._visible_menu_ids()
        self.assertIn(submit.id, employee_menus)
        self.assertNotIn(to_approve.id, employee_menus)
        self.assertIn(to_approve.id, Menu.with_user(self.approver)._visible_menu_ids())

    def test_billing_product(self):
        """Installed: an hourly service product, the default of every company."""
        product = self.env.ref("hr_timesheet_billing.product_product_billable_time")
        self.assertEqual(product.type, "service")
        self.assertEqual(product.uom_id, self.env.ref("uom.product_uom_hour"))
        self.assertEqual(self.env.company.timesheet_billing_product_id, product)
        company = self.env["res.company"].create({"name": "New Branch Ltd"})
        self.assertEqual(company.timesheet_billing_product_id, product)

    def test_billing_manager_group(self):
        """A billing manager reviews timesheets and makes invoices."""
        user = self.billing_manager
        self.assertTrue(user.has_group("hr_timesheet.group_hr_timesheet_approver"))
        self.assertTrue(user.has_group("account.group_account_invoice"))
        self.assertFalse(
            self.timesheet_user.has_group(
                "hr_timesheet_billing.group_timesheet_billing_manager"
            )
        )
        admin = self.env.ref("base.user_admin")
        self.assertTrue(
            admin.has_group("hr_timesheet_billing.group_timesheet_billing_manager")
        )

    def test_french_translation(self):
        """fr.po loads: menus, field labels and error messages in French for a
        user who works in French."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["hr_timesheet_billing"], ["fr_FR"]
        )
        french = self.env(context={"lang": "fr_FR"})
        self.assertEqual(
            french.ref("hr_timesheet_billing.timesheet_billing_submit_week_menu").name,
            "Soumettre ma semaine",
        )
        self.assertEqual(
            french["account.analytic.line"].fields_get(["billing_state"])[
                "billing_state"
            ]["selection"][2],
            ("lead_approved", "Approuvée par le chef de projet"),
        )
        employee = self.env["hr.employee"].create({"name": "Élodie"})
        with self.assertRaisesRegex(
            ValidationError, "les heures facturables ne peuvent pas être négatives"
        ):
            french["account.analytic.line"].create(
                {
                    "name": "Audit",
                    "project_id": self.env["project.project"]
                    .create({"name": "Audit"})
                    .id,
                    "employee_id": employee.id,
                    "unit_amount": 1.0,
                    "billable_hours": -1.0,
                    "billable_hours_reason": "test",
                }
            )
