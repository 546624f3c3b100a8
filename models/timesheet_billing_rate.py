from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

# From the most specific to the least: the first valid card found wins.
RATE_SCOPES = [
    ("employee_project", "Employee on a project"),
    ("role_project", "Role on a project"),
    ("employee_partner", "Employee for a customer"),
    ("role_partner", "Role for a customer"),
    ("employee", "Employee"),
    ("role", "Role"),
]


class TimesheetBillingRate(models.Model):
    """An hourly rate, valid over a period, for a role or an employee, possibly
    narrowed to one project or one customer."""

    _name = "timesheet.billing.rate"
    _description = "Billing Rate Card"
    _order = "company_id, scope_sequence, date_from desc, id desc"
    _check_company_auto = True

    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    hourly_rate = fields.Monetary(required=True, currency_field="currency_id")
    date_from = fields.Date(
        string="Valid From", help="First day of validity; empty: since always."
    )
    date_to = fields.Date(
        string="Valid To", help="Last day of validity; empty: until further notice."
    )
    role_id = fields.Many2one(
        comodel_name="timesheet.billing.role",
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    employee_id = fields.Many2one(
        comodel_name="hr.employee",
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    project_id = fields.Many2one(
        comodel_name="project.project",
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        index=True,
        ondelete="cascade",
        check_company=True,
        domain="[('is_company', '=', True)]",
    )
    scope = fields.Selection(
        selection=RATE_SCOPES, compute="_compute_scope", store=True, index=True
    )
    scope_sequence = fields.Integer(compute="_compute_scope", store=True)
    note = fields.Char(help="Why this rate: agreement, price list, ...")

    @api.depends("role_id", "employee_id", "project_id", "partner_id")
    def _compute_scope(self):
        order = [key for key, _label in RATE_SCOPES]
        for card in self:
            who = "employee" if card.employee_id else "role"
            where = (
                "_project" if card.project_id else "_partner" if card.partner_id else ""
            )
            card.scope = who + where
            card.scope_sequence = order.index(card.scope)

    @api.depends("role_id", "employee_id", "project_id", "partner_id", "date_from")
    def _compute_display_name(self):
        for card in self:
            who = card.employee_id.name or card.role_id.display_name or "?"
            where = card.project_id.display_name or card.partner_id.display_name
            since = card.date_from and self.env._(
                "from %(date)s", date=fields.Date.to_string(card.date_from)
            )
            card.display_name = " / ".join(part for part in (who, where, since) if part)

    @api.constrains("role_id", "employee_id", "project_id", "partner_id")
    def _check_scope(self):
        for card in self:
            if bool(card.role_id) == bool(card.employee_id):
                raise ValidationError(
                    self.env._(
                        "Rate card %(card)s: give either a role or an employee "
                        "(exactly one of them).",
                        card=card.display_name,
                    )
                )
            if card.project_id and card.partner_id:
                raise ValidationError(
                    self.env._(
                        "Rate card %(card)s: a card applies to one project or to "
                        "one customer, not both (a project's customer is already "
                        "known).",
                        card=card.display_name,
                    )
                )

    @api.constrains("date_from", "date_to", "hourly_rate")
    def _check_values(self):
        for card in self:
            if card.date_from and card.date_to and card.date_from > card.date_to:
                raise ValidationError(
                    self.env._(
                        "Rate card %(card)s ends (%(end)s) before it starts "
                        "(%(start)s).",
                        card=card.display_name,
                        start=card.date_from,
                        end=card.date_to,
                    )
                )
            if card.hourly_rate < 0:
                raise ValidationError(
                    self.env._(
                        "Rate card %(card)s: the hourly rate cannot be negative.",
                        card=card.display_name,
                    )
                )

    @api.constrains(
        "active",
        "company_id",
        "role_id",
        "employee_id",
        "project_id",
        "partner_id",
        "date_from",
        "date_to",
    )
    def _check_no_overlap(self):
        """Two active cards of the same scope may not be valid on the same day."""
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT card.id, other.id
                  FROM timesheet_billing_rate card
                  JOIN timesheet_billing_rate other
                    ON other.id != card.id
                   AND other.active
                   AND other.company_id = card.company_id
                   AND other.role_id IS NOT DISTINCT FROM card.role_id
                   AND other.employee_id IS NOT DISTINCT FROM card.employee_id
                   AND other.project_id IS NOT DISTINCT FROM card.project_id
                   AND other.partner_id IS NOT DISTINCT FROM card.partner_id
                   -- the two periods overlap (an empty bound is open)
                   AND COALESCE(other.date_from, '-infinity')
                       <= COALESCE(card.date_to, 'infinity')
                   AND COALESCE(card.date_from, '-infinity')
                       <= COALESCE(other.date_to, 'infinity')
                 WHERE card.id IN %s AND card.active
                 LIMIT 1
                """,
                tuple(self.ids),
            )
        )
        if rows:
            card, other = self.browse(rows[0])
            raise ValidationError(
                self.env._(
                    "Rate cards %(card)s (%(card_period)s) and %(other)s "
                    "(%(other_period)s) have the same scope and overlapping dates: "
                    "end one before the other starts.",
                    card=card.display_name,
                    card_period=card._period_label(),
                    other=other.display_name,
                    other_period=other._period_label(),
                )
            )

    def _period_label(self):
        self.ensure_one()
        start = self.date_from or self.env._("always")
        end = self.date_to or self.env._("open")
        return f"{start} → {end}"

    @api.model
    def _find_for(self, requests):
        """Return the winning card (or an empty recordset) for each request.

        :param requests: list of dicts with keys ``company_id``, ``date``,
            ``employee_id``, ``role_id``, ``project_id``, ``partner_id`` (ids or
            False), as many as there are lines to price.
        One query whatever the number of requests.
        """
        if not requests:
            return []
        dates = [request["date"] for request in requests]
        # Employees may not read rate cards, yet their lines are priced when they
        # log time: read the cards as superuser, within the requests' scope only.
        cards = (
            self.sudo()
            .with_context(active_test=True)
            .search_fetch(
                [
                    ("company_id", "in", list({r["company_id"] for r in requests})),
                    "|",
                    ("date_from", "=", False),
                    ("date_from", "<=", max(dates)),
                    "|",
                    ("date_to", "=", False),
                    ("date_to", ">=", min(dates)),
                    "|",
                    ("employee_id", "in", list({r["employee_id"] for r in requests})),
                    ("role_id", "in", list({r["role_id"] for r in requests})),
                ],
                [
                    "company_id",
                    "employee_id",
                    "role_id",
                    "project_id",
                    "partner_id",
                    "date_from",
                    "date_to",
                    "hourly_rate",
                    "currency_id",
                ],
                order="id",
            )
        )
        by_scope = defaultdict(list)
        for card in cards:
            key = (
                card.company_id.id,
                card.employee_id.id,
                card.role_id.id,
                card.project_id.id,
                card.partner_id.id,
            )
            by_scope[key].append(card)
        return [self._pick(by_scope, request) for request in requests]

    def _pick(self, by_scope, request):
        company, employee, role = (
            request["company_id"],
            request["employee_id"],
            request["role_id"],
        )
        project, partner = request["project_id"], request["partner_id"]
        keys = [
            (employee and project, (company, employee, False, project, False)),
            (role and project, (company, False, role, project, False)),
            (employee and partner, (company, employee, False, False, partner)),
            (role and partner, (company, False, role, False, partner)),
            (employee, (company, employee, False, False, False)),
            (role, (company, False, role, False, False)),
        ]
        date = request["date"]
        for applicable, key in keys:
            if not applicable:
                continue
            for card in by_scope.get(key, ()):
                if (not card.date_from or card.date_from <= date) and (
                    not card.date_to or date <= card.date_to
                ):
                    return card
        return self.browse()

    # ------------------------------------------------------------------ CRUD
    # A card created, changed or removed reprices the lines it may apply to
    # (never the lines whose rate is frozen).

    @api.model_create_multi
    def create(self, vals_list):
        cards = super().create(vals_list)
        cards._affected_lines()._reprice_and_recheck()
        return cards

    def write(self, vals):
        before = self._affected_lines()
        result = super().write(vals)
        (before | self._affected_lines())._reprice_and_recheck()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_frozen_lines(self):
        """Approved timesheets keep the card that priced them: such a card is
        archived, not deleted."""
        used = (
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [
                    ("bill_rate_card_id", "in", self.ids),
                    ("bill_rate_frozen", "=", True),
                ],
                ["bill_rate_card_id"],
                ["__count"],
            )
        )
        if used:
            raise UserError(
                self.env._(
                    "These rate cards priced approved timesheets, which keep them: "
                    "archive them instead of deleting them. %(cards)s",
                    cards="; ".join(
                        self.env._(
                            "%(card)s (%(count)s timesheets)",
                            card=card.display_name,
                            count=count,
                        )
                        for card, count in used
                    ),
                )
            )

    def unlink(self):
        lines = self._affected_lines()
        result = super().unlink()
        lines._reprice_and_recheck()
        return result

    def _affected_lines(self):
        """Unfrozen timesheet lines that one of these cards may price."""
        if not self:
            return self.env["account.analytic.line"]
        domain = [
            ("project_id", "!=", False),
            ("bill_rate_frozen", "=", False),
            ("company_id", "in", self.company_id.ids),
            "|",
            ("employee_id", "in", self.employee_id.ids),
            ("billing_role_id", "in", self.role_id.ids),
        ]
        if all(self.mapped("date_from")):
            domain.append(("date", ">=", min(self.mapped("date_from"))))
        if all(self.mapped("date_to")):
            domain.append(("date", "<=", max(self.mapped("date_to"))))
        return self.env["account.analytic.line"].sudo().search(domain)
