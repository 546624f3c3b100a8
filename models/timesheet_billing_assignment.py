from odoo import api, fields, models
from odoo.exceptions import ValidationError


class TimesheetBillingAssignment(models.Model):
    """The role an employee is billed as on one project, instead of their default."""

    _name = "timesheet.billing.assignment"
    _description = "Billing Role on a Project"
    _order = "project_id, employee_id"
    _check_company_auto = True

    project_id = fields.Many2one(
        comodel_name="project.project",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="project_id.company_id", store=True, index=True, precompute=True
    )
    # A project may be shared between companies (no company): its employees
    # then come from any of them.
    employee_id = fields.Many2one(
        comodel_name="hr.employee",
        required=True,
        ondelete="cascade",
        index=True,
    )
    role_id = fields.Many2one(
        comodel_name="timesheet.billing.role",
        required=True,
        ondelete="restrict",
        check_company=True,
    )
    default_role_id = fields.Many2one(
        related="employee_id.billing_role_id", string="Default Role"
    )

    @api.constrains("project_id", "employee_id")
    def _check_one_role_per_project(self):
        groups = self._read_group(
            [
                ("project_id", "in", self.project_id.ids),
                ("employee_id", "in", self.employee_id.ids),
            ],
            ["project_id", "employee_id"],
            ["__count"],
        )
        for project, employee, count in groups:
            if count > 1:
                raise ValidationError(
                    self.env._(
                        "%(employee)s already has a billing role on project "
                        "%(project)s: one role per employee and project.",
                        employee=employee.name,
                        project=project.display_name,
                    )
                )
