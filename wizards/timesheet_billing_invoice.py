import math
from typing import NamedTuple

from markupsafe import Markup, escape

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import format_amount


class PlanGroup(NamedTuple):
    """Approved timesheets alike in all an invoice line is made of."""

    project: models.BaseModel
    task: models.BaseModel
    contract: models.BaseModel
    bill_currency: models.BaseModel
    bill_rate: float
    detail: models.BaseModel  # the role, employee, task or timesheet
    timesheet_ids: list
    billable_hours: list
    first_date: fields.Date
    last_date: fields.Date


class PlanLine:
    """The timesheets one invoice line bills: the groups of the same detail."""

    def __init__(self, model):
        self.model = model
        self.timesheet_ids = []
        self.billable_hours = []
        self.contracts = model.env["timesheet.billing.contract"]
        self.first_date = self.last_date = None

    def add(self, group):
        self.timesheet_ids += group.timesheet_ids
        self.billable_hours += group.billable_hours
        self.contracts |= group.contract
        self.first_date = min(filter(None, [self.first_date, group.first_date]))
        self.last_date = max(filter(None, [self.last_date, group.last_date]))

    @property
    def quantity(self):
        return math.fsum(self.billable_hours)

    @property
    def timesheets(self):
        return self.model.browse(self.timesheet_ids)


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

    # ------------------------------------------------------------ selection

    def _get_candidate_domain(self):
        """Timesheets the wizard looks at, invoiceable or not (hook)."""
        self.ensure_one()
        domain = [
            ("project_id", "!=", False),
            ("company_id", "=", self.company_id.id),
            ("date", "<=", self.date_to),
            ("billing_state", "in", ("approved", "submitted", "lead_approved")),
        ]
        # Unfiltered by record rules: an accountant may invoice timesheets that
        # are not theirs to read (sale_timesheet hides project lines from
        # invoicing users), and a selection read as empty would invoice all.
        selected = self.sudo().timesheet_line_ids
        if selected:
            domain.append(("id", "in", selected.ids))
        if self.project_ids:
            domain.append(("project_id", "in", self.project_ids.ids))
        if self.contract_ids:
            domain.append(("contract_id", "in", self.contract_ids.ids))
        if self.partner_ids:
            domain.append(
                (
                    "project_id.partner_id.commercial_partner_id",
                    "in",
                    self.partner_ids.commercial_partner_id.ids,
                )
            )
        return domain

    def _get_invoiceable_domain(self):
        """The candidates ready to invoice (hook): approved, billable, with
        billable hours, not invoiced, not billed through a sales order. Served
        by the partial index of open lines, however many invoiced ones the
        table holds."""
        Line = self.env["account.analytic.line"]
        ready = [
            ("billing_state", "=", "approved"),
            ("invoice_line_id", "=", False),
            ("is_billable", "=", True),
            ("billable_hours", ">", 0),
        ]
        if "so_line" in Line._fields:
            ready.append(("so_line", "=", False))
        return expression.AND([self._get_candidate_domain(), ready])

    def _get_invoiceable(self):
        """The timesheets to invoice. Accountants invoice time they may not
        browse (projects, contracts, rates are the leads' and billing
        managers'): read as superuser, within the company and the filters."""
        return (
            self.env["account.analytic.line"]
            .sudo()
            .search(self._get_invoiceable_domain(), order="date, id")
        )

    def _left_out_reasons(self, lines):
        """Why each of these candidates is not invoiced: ``{line: reason}``."""
        left_out = {}
        states = dict(
            self.env["account.analytic.line"]._fields["billing_state"].selection
        )
        reasons = dict(
            self.env["account.analytic.line"]._fields["non_billable_reason"].selection
        )
        has_sale = "so_line" in lines._fields
        for line in lines:
            if line.billing_state != "approved":
                left_out[line] = self.env._(
                    "not approved (%(state)s)", state=states[line.billing_state]
                )
            elif line.invoice_line_id:
                left_out[line] = self.env._("already invoiced")
            elif has_sale and line.so_line:
                left_out[line] = self.env._("billed through a sales order")
            elif not line.is_billable:
                left_out[line] = reasons.get(line.non_billable_reason) or self.env._(
                    "not billable"
                )
            else:
                left_out[line] = self.env._("no billable hours")
        return left_out

    # ---------------------------------------------------------- invoice plan

    def _invoice_currency(self, group):
        """Invoices are in the contract's currency, else the rate's (hook)."""
        return group.contract.currency_id or group.bill_currency

    def _invoice_key(self, group):
        customer = group.task.partner_id or group.project.partner_id
        key = [customer.commercial_partner_id, self._invoice_currency(group)]
        if self.grouping == "project":
            key.append(group.project)
        elif self.grouping == "contract":
            key.append(group.contract)
        return tuple(key)

    def _detail_key(self, group):
        return (group.project, group.detail, group.bill_rate, group.bill_currency)

    def _get_detail_field(self):
        """The timesheet field one invoice line is made per (hook)."""
        return {
            "role": "billing_role_id",
            "employee": "employee_id",
            "task": "task_id",
            "timesheet": "id",
        }[self.line_detail]

    def _plan(self, lines):
        """``{invoice key: {detail key: PlanLine}}``, in the order of the
        first day each bills: one grouped query over the lines, whatever
        their number, then a loop over the groups only."""
        detail_field = self._get_detail_field()
        groups = lines._read_group(
            [("id", "in", lines.ids)],
            [
                "project_id",
                "task_id",
                "contract_id",
                "bill_currency_id",
                "bill_rate",
                detail_field,
            ],
            ["id:array_agg", "billable_hours:array_agg", "date:min", "date:max"],
        )
        groups.sort(key=lambda group: (group[-2], min(group[-4])))
        plan = {}
        for values in groups:
            group = PlanGroup(*values)
            details = plan.setdefault(self._invoice_key(group), {})
            details.setdefault(self._detail_key(group), PlanLine(lines)).add(group)
        return plan

    def _prepare_invoice_vals(self, invoice_key, details):
        """Values of one draft customer invoice (hook); ``details``:
        ``{detail key: PlanLine}``."""
        partner, currency = invoice_key[0], invoice_key[1]
        contracts = self.env["timesheet.billing.contract"].union(
            *(plan_line.contracts for plan_line in details.values())
        )
        projects = self.env["project.project"].union(
            *(detail_key[0] for detail_key in details)
        )
        codes = sorted(set(filter(None, projects.sudo().mapped("billing_code"))))
        fiscal_position = (
            self.env["account.fiscal.position"]
            .with_company(self.company_id)
            ._get_fiscal_position(partner)
        )
        payment_term = partner.with_company(self.company_id).property_payment_term_id
        vals = {
            "move_type": "out_invoice",
            "company_id": self.company_id.id,
            "partner_id": partner.id,
            "currency_id": currency.id,
            "journal_id": self.journal_id.id,
            "invoice_date": self.invoice_date,
            "fiscal_position_id": fiscal_position.id,
            "invoice_payment_term_id": payment_term.id,
            "ref": ", ".join(filter(None, contracts.mapped("customer_reference")))
            or False,
            "invoice_origin": self.env._(
                "Timesheets up to %(date)s %(codes)s",
                date=self.date_to,
                codes=", ".join(codes),
            ).strip(),
            "invoice_line_ids": [
                Command.create(
                    self._prepare_invoice_line_vals(key, plan_line, currency)
                )
                for key, plan_line in details.items()
            ],
        }
        if not payment_term:
            # Without terms Odoo makes an invoice due the day it is created;
            # one dated earlier (the end of last month) is due on its date.
            vals["invoice_date_due"] = self.invoice_date
        return vals

    def _prepare_invoice_line_vals(self, detail_key, plan_line, currency):
        """Values of one invoice line billing the timesheets of ``plan_line``
        (hook)."""
        project, detail, rate, rate_currency = detail_key
        project = project.sudo()
        product = (
            project.invoice_product_id or self.company_id.timesheet_billing_product_id
        )
        if not product:
            raise UserError(
                self.env._(
                    "Project %(project)s has no invoiced service and the company no "
                    "default timesheet product (Settings › Timesheet Billing).",
                    project=project.display_name,
                )
            )
        price = rate_currency._convert(
            rate, currency, self.company_id, self.invoice_date, round=False
        )
        first, last = plan_line.first_date, plan_line.last_date
        label = " - ".join(
            filter(
                None,
                [
                    project.billing_code or project.name,
                    detail.display_name
                    if self.line_detail != "timesheet"
                    else (f"{detail.employee_id.name}: {detail.name}"),
                    f"{first} → {last}" if first != last else str(first),
                ],
            )
        )
        values = {
            "product_id": product.id,
            "name": label,
            "quantity": plan_line.quantity,
            "product_uom_id": self.env.ref("uom.product_uom_hour").id,
            "price_unit": price,
        }
        if project.account_id:
            values["analytic_distribution"] = {str(project.account_id.id): 100}
        return values

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
        invoiceable = self._get_invoiceable()
        plan = self._plan(invoiceable)
        rows = []
        for key, details in plan.items():
            currency = key[1]
            untaxed = sum(
                currency.round(
                    detail_key[3]._convert(
                        detail_key[2], currency, self.company_id, self.invoice_date
                    )
                    * plan_line.quantity
                )
                for detail_key, plan_line in details.items()
            )
            rows.append(
                Markup(
                    "<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td>"
                    "<td class='text-end'>%s</td><td class='text-end'>%s</td></tr>"
                )
                % (
                    " / ".join(str(part.display_name) for part in key[:1] + key[2:])
                    or "?",
                    len(details),
                    sum(len(line.timesheet_ids) for line in details.values()),
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
        return html + self._render_left_out(invoiceable)

    def _render_left_out(self, invoiceable, most=50):
        """The candidates not invoiced, the first ``most`` with the reason."""
        candidates = (
            self.env["account.analytic.line"]
            .sudo()
            .search(self._get_candidate_domain(), order="date, id")
        )
        left_out = candidates - invoiceable
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
            for line, why in self._left_out_reasons(left_out[:most]).items()
        )
        return Markup("<p>%s</p><ul>%s</ul>") % (
            self.env._("%(count)s timesheets left out:", count=len(left_out)),
            items,
        )

    # --------------------------------------------------------------- create

    def action_create_invoices(self):
        """Create the draft invoices in one batch and show them."""
        self.ensure_one()
        invoiceable = self._get_invoiceable()
        invoices, locked = self._create_invoices(invoiceable)
        return self._action_show(invoices, skipped=invoiceable - locked)

    def _create_invoices(self, invoiceable):
        """Draft invoices of ``invoiceable``, but for the lines another run is
        invoicing at the same time: ``(invoices, lines invoiced)``."""
        locked = invoiceable._lock_for_invoicing()
        if not locked:
            raise UserError(
                self.env._(
                    "Nothing to invoice: no approved, billable timesheet that is not "
                    "invoiced yet matches (or another run is invoicing them)."
                )
            )
        plan = self._plan(locked)
        vals_list = [
            self._prepare_invoice_vals(key, details) for key, details in plan.items()
        ]
        # A month of a whole firm is invoiced at once: no "created" note nor
        # subscription of the accountant per draft (half the queries of the
        # batch); the origin says where a draft comes from, and posting
        # subscribes the customer as usual.
        invoices = (
            self.env["account.move"]
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
            .create(vals_list)
        )
        invoice_line_by_line = {}
        for invoice, details in zip(invoices, plan.values(), strict=True):
            invoice_lines = invoice.invoice_line_ids.sorted(lambda line: line.sequence)
            for invoice_line, plan_line in zip(
                invoice_lines, details.values(), strict=True
            ):
                invoice_line_by_line.update(
                    dict.fromkeys(plan_line.timesheet_ids, invoice_line)
                )
        # The state and the links in one UPDATE of the lines.
        locked._transition(
            "invoiced", per_line=locked._invoice_link_values(invoice_line_by_line)
        )
        return invoices, locked

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
