from odoo import models


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "timesheet.billing.status.mixin"]

    def _timesheet_status_domain(self):
        return [("project_id.partner_id.commercial_partner_id", "in", self.ids)]

    def _billing_overview_domain(self):
        return [("partner_id", "in", self.commercial_partner_id.ids)]

    def _timesheet_status_groupby(self):
        return "project_id"

    def _timesheet_status_key(self, project):
        return project.sudo().partner_id.commercial_partner_id
