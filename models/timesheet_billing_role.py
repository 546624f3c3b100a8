from odoo import api, fields, models


class TimesheetBillingRole(models.Model):
    """What a person is billed as: Junior, Senior, Consultant, External, ..."""

    _name = "timesheet.billing.role"
    _description = "Billing Role"
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True, help="Short code shown on timesheets and invoice lines."
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        index=True,
        help="Leave empty to share the role between companies.",
    )
    description = fields.Text(translate=True)
    employee_ids = fields.One2many(
        comodel_name="hr.employee",
        inverse_name="billing_role_id",
        string="Employees",
    )
    employee_count = fields.Integer(compute="_compute_employee_count")

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "A billing role's code must be unique per company.",
        ),
    ]

    @api.depends("employee_ids")
    def _compute_employee_count(self):
        counts = dict(
            self.env["hr.employee"]._read_group(
                [("billing_role_id", "in", self.ids)],
                ["billing_role_id"],
                ["__count"],
            )
        )
        for role in self:
            role.employee_count = counts.get(role, 0)

    @api.depends("name", "code")
    def _compute_display_name(self):
        for role in self:
            role.display_name = f"[{role.code}] {role.name}" if role.code else role.name
