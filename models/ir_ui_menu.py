from odoo import models

# Employees who are not approvers see the Timesheets app flat (hr_timesheet
# hides its "Timesheets" dropdown from them): these entries give them their
# week. Approvers find the same actions in that dropdown instead.
EMPLOYEE_ONLY_MENUS = (
    "hr_timesheet_billing.timesheet_billing_submit_week_employee_menu",
    "hr_timesheet_billing.timesheet_billing_week_employee_menu",
)


class IrUiMenu(models.Model):
    _inherit = "ir.ui.menu"

    def _load_menus_blacklist(self):
        blacklist = super()._load_menus_blacklist()
        if self.env.user.has_group("hr_timesheet.group_hr_timesheet_approver"):
            blacklist += [
                menu.id
                for xmlid in EMPLOYEE_ONLY_MENUS
                if (menu := self.env.ref(xmlid, raise_if_not_found=False))
            ]
        return blacklist
