from odoo import fields, models


class ProjectTask(models.Model):
    _inherit = "project.task"

    billing_excluded = fields.Boolean(
        string="Non-billable Task",
        help="Time logged on this task is never billed (internal work, rework, "
        "training), whatever the project's billing terms.",
    )
