from odoo import fields, models


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    billing_role_id = fields.Many2one(
        comodel_name="timesheet.billing.role",
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
        help="The role this employee's time is billed as, unless a project says "
        "otherwise (project › Billing).",
    )
    billing_assignment_ids = fields.One2many(
        comodel_name="timesheet.billing.assignment",
        inverse_name="employee_id",
        string="Roles on Projects",
    )
    billing_rate_ids = fields.One2many(
        comodel_name="timesheet.billing.rate",
        inverse_name="employee_id",
        string="Personal Rate Cards",
    )
    billing_approver_id = fields.Many2one(
        comodel_name="res.users",
        string="Timesheet Approver",
        tracking=True,
        help="Approves this employee's timesheets besides the managers of the "
        "projects they work on.",
    )
