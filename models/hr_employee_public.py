from odoo import fields, models


class HrEmployeePublic(models.Model):
    _inherit = "hr.employee.public"

    # Public: consultants see under which role they log, and every user's
    # timesheets read it when they are priced.
    billing_role_id = fields.Many2one(
        comodel_name="timesheet.billing.role", readonly=True
    )
    billing_approver_id = fields.Many2one(comodel_name="res.users", readonly=True)
