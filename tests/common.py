from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon


class TimesheetBillingCommon(BaseCommon):
    """One user per role; later features add theirs here."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.settings_admin = new_test_user(
            cls.env,
            login="htb_settings_admin",
            groups="base.group_user,base.group_system",
        )
        cls.billing_manager = new_test_user(
            cls.env,
            login="htb_billing_manager",
            groups="base.group_user,hr_timesheet_billing.group_timesheet_billing_manager",
        )
        cls.timesheet_user = new_test_user(
            cls.env,
            login="htb_timesheet_user",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_user",
        )
