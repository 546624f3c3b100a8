import math

from markupsafe import Markup, escape

from odoo import Command, api, fields, models
from odoo.tools import format_amount


class TimesheetBillingInvoice(models.TransientModel):
    """Invoice approved, billable timesheets: choose, preview, create drafts."""

    _name = "timesheet.billing.invoice"
    _description = "Invoice Timesheets"
    _check_company_auto = True

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    date_to = fields.Date(
        string="Up to",
        required=True,
        default=fields.Date.context_today,
        help="Timesheets dated up to this day.",
    )
    partner_ids = fields.Many2many(
        comodel_name="res.partner", string="Customers", check_company=True
    )
    project_ids = fields.Many2many(
        comodel_name="project.project", string="Projects", check_company=True
    )
    contract_ids = fields.Many2many(
        comodel_name="timesheet.billing.contract",
        string="Contracts",
        check_company=True,
    )
    timesheet_line_ids = fields.Many2many(
        comodel_name="account.analytic.line",
        string="Selected Timesheets",
        help="Opened from selected timesheets: only these.",
    )
    grouping = fields.Selection(
        selection=[
            ("partner", "One invoice per customer"),
            ("project", "One invoice per project"),
            ("contract", "One invoice per contract"),
        ],
        required=True,
        default="partner",
    )
    line_detail = fields.Selection(
        selection=[
            ("role", "One line per role"),
            ("employee", "One line per employee"),
            ("task", "One line per task"),
            ("timesheet", "One line per timesheet"),
        ],
        required=True,
        default="role",
    )
    invoice_date = fields.Date(required=True, default=fields.Date.context_today)
    journal_id = fields.Many2one(
        comodel_name="account.journal",
        required=True,
        check_company=True,
        domain="[('type', '=', 'sale'), ('company_id', '=', company_id)]",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    preview = fields.Html(compute="_compute_preview", sanitize=False)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "account.analytic.line" and context.get(
            "active_ids"
        ):
            values["timesheet_line_ids"] = [Command.set(context["active_ids"])]
        return values

    @api.depends("company_id")
    def _compute_journal_id(self):
        for wizard in self:
            wizard.journal_id = self.env["account.journal"].search(
                [
                    *self.env["account.journal"]._check_company_domain(
                        wizard.company_id
                    ),
                    ("type", "=", "sale"),
                ],
                limit=1,
            )

    # ------------------------------------------------------------ request

    def _get_request(self):
        """This wizard's run, for the invoicing engine."""
        self.ensure_one()
        # Unfiltered by record rules: an accountant may invoice timesheets that
        # are not theirs to read (sale_timesheet hides project lines from
        # invoicing users), and a selection read as empty would invoice all.
        return self.env["timesheet.billing.invoicing"]._make_request(
            company=self.company_id,
            date_to=self.date_to,
            invoice_date=self.invoice_date,
            journal=self.journal_id,
            grouping=self.grouping,
            line_detail=self.line_detail,
            partners=self.partner_ids,
            projects=self.project_ids,
            contracts=self.contract_ids,
            timesheets=self.sudo().timesheet_line_ids,
        )

    # -------------------------------------------------------------- preview

    @api.depends(
        "date_to",
        "partner_ids",
        "project_ids",
        "contract_ids",
        "timesheet_line_ids",
        "grouping",
        "line_detail",
        "invoice_date",
        "company_id",
    )
    def _compute_preview(self):
        for wizard in self:
            wizard.preview = wizard._render_preview()

    def _render_preview(self):
        engine = self.env["timesheet.billing.invoicing"]
        request = self._get_request()
        invoiceable = engine._get_invoiceable(request)
        plan = engine._plan(invoiceable, request)
        rows = []
        for key, details in plan.items():
            currency = key.currency
            untaxed = sum(
                currency.round(
                    line_key.rate_currency._convert(
                        line_key.rate, currency, self.company_id, self.invoice_date
                    )
                    * plan_line.quantity
                )
                for line_key, plan_line in details.items()
            )
            named = [key.partner, key.project, key.contract]
            rows.append(
                Markup(
                    "<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td>"
                    "<td class='text-end'>%s</td><td class='text-end'>%s</td></tr>"
                )
                % (
                    " / ".join(str(part.display_name) for part in named if part) or "?",
                    len(details),
                    sum(len(line.timesheets) for line in details.values()),
                    f"{math.fsum(line.quantity for line in details.values()):g}",
                    format_amount(self.env, untaxed, currency),
                )
            )
        html = Markup(
            "<p>%s</p><table class='table table-sm'><thead><tr><th>%s</th><th>%s</th>"
            "<th class='text-end'>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th></tr></thead><tbody>%s</tbody></table>"
        ) % (
            self.env._("1 draft invoice will be created.")
            if len(plan) == 1
            else self.env._(
                "%(count)s draft invoices will be created.", count=len(plan)
            ),
            self.env._("Invoice"),
            self.env._("Lines"),
            self.env._("Timesheets"),
            self.env._("Hours"),
            self.env._("Untaxed"),
            Markup("").join(rows),
        )
        return html + self._render_left_out(request, invoiceable)

    def _render_left_out(self, request, invoiceable, most=50):
        """The candidates not invoiced, the first ``most`` with the reason."""
        engine = self.env["timesheet.billing.invoicing"]
        left_out = engine._get_left_out(request, invoiceable)
        if not left_out:
            return Markup()
        items = Markup("").join(
            Markup("<li>%s, %s, %s (%s h): %s</li>")
            % (
                line.employee_id.name,
                line.date,
                line.project_id.display_name,
                f"{line.unit_amount:g}",
                why,
            )
            for line, why in engine._left_out_reasons(left_out[:most]).items()
        )
        return Markup("<p>%s</p><ul>%s</ul>") % (
            self.env._("%(count)s timesheets left out:", count=len(left_out)),
            items,
        )

    # --------------------------------------------------------------- create

    def action_create_invoices(self):
        """Create the draft invoices in one batch and show them."""
        self.ensure_one()
        engine = self.env["timesheet.billing.invoicing"]
        request = self._get_request()
        invoiceable = engine._get_invoiceable(request)
        invoices, locked = engine._create_invoices(invoiceable, request)
        return self._action_show(invoices, skipped=invoiceable - locked)

    def _action_show(self, invoices, skipped):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        if len(invoices) == 1:
            action.update(
                {"views": [(False, "form")], "view_mode": "form", "res_id": invoices.id}
            )
        else:
            action["domain"] = [("id", "in", invoices.ids)]
        if skipped:
            action["help"] = escape(
                self.env._(
                    "%(count)s timesheets were being invoiced by another run and "
                    "were skipped: %(lines)s",
                    count=len(skipped),
                    lines=skipped._describe(),
                )
            )
        return action
