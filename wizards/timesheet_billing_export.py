import base64
import io
from collections import defaultdict
from datetime import timedelta

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.billing_states import UNBILLED_STATES
from ..models.timesheet_billing_analysis import AGE_BUCKETS, percent_of


class TimesheetBillingExport(models.TransientModel):
    """The billing reports as files: the weekly overview per employee (PDF or
    XLSX), profitability and unbilled work (XLSX). Figures are read with the
    user's rights: employees get their own, leads their projects'."""

    _name = "timesheet.billing.export"
    _description = "Timesheet Billing Reports"

    report = fields.Selection(
        selection=[
            ("weekly", "Weekly Overview"),
            ("profitability", "Profitability"),
            ("unbilled", "Unbilled Work"),
        ],
        required=True,
        default="weekly",
    )
    date_from = fields.Date(
        required=True,
        default=lambda self: self._default_week()[0],
    )
    date_to = fields.Date(
        required=True,
        default=lambda self: self._default_week()[1],
    )
    employee_ids = fields.Many2many(
        comodel_name="hr.employee",
        string="Employees",
        help="Empty: every employee whose time you see.",
    )
    project_ids = fields.Many2many(
        comodel_name="project.project",
        string="Projects",
        help="Empty: every project.",
    )
    file = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    @api.model
    def _default_week(self):
        """Last week, Monday to Sunday."""
        today = fields.Date.context_today(self)
        monday = today - timedelta(days=today.weekday() + 7)
        return monday, monday + timedelta(days=6)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise UserError(
                    self.env._(
                        "The period ends (%(end)s) before it starts (%(start)s).",
                        start=wizard.date_from,
                        end=wizard.date_to,
                    )
                )

    def _line_domain(self):
        return [("project_id", "!=", False), *self._analysis_domain()]

    # ---------------------------------------------------------------- data

    def _get_weekly_overview(self):
        """One sheet per employee and week with time: ``{"employee", "days"
        (7 dates), "rows": [{"project", "hours" (7), "total"}], "day_totals",
        "total", "billable", "billable_percent", "states": [(label,
        hours)]}``, by employee then week."""
        self.ensure_one()
        Line = self.env["account.analytic.line"]
        states = dict(Line._fields["billing_state"].selection)
        sheets = {}
        for employee, day, project, billable, state, hours in Line._read_group(
            self._line_domain(),
            ["employee_id", "date:day", "project_id", "is_billable", "billing_state"],
            ["unit_amount:sum"],
        ):
            monday = day - timedelta(days=day.weekday())
            sheet = sheets.setdefault(
                (employee, monday),
                {
                    "employee": employee,
                    "days": [monday + timedelta(days=index) for index in range(7)],
                    "projects": defaultdict(lambda: [0.0] * 7),
                    "billable": 0.0,
                    "states": defaultdict(float),
                },
            )
            sheet["projects"][project][day.weekday()] += hours
            sheet["billable"] += hours if billable else 0.0
            sheet["states"][state] += hours
        result = []
        for (employee, _monday), sheet in sorted(
            sheets.items(), key=lambda item: (item[0][0].name, item[0][1])
        ):
            rows = [
                {"project": project, "hours": hours, "total": sum(hours)}
                for project, hours in sorted(
                    sheet["projects"].items(), key=lambda item: item[0].display_name
                )
            ]
            day_totals = [
                sum(row["hours"][index] for row in rows) for index in range(7)
            ]
            total = sum(day_totals)
            result.append(
                {
                    "employee": employee,
                    "days": sheet["days"],
                    "rows": rows,
                    "day_totals": day_totals,
                    "total": total,
                    "billable": sheet["billable"],
                    "billable_percent": percent_of(sheet["billable"], total),
                    "states": [
                        (states[state], hours)
                        for state, hours in sheet["states"].items()
                    ],
                }
            )
        return result

    def _analysis_domain(self):
        domain = [("date", ">=", self.date_from), ("date", "<=", self.date_to)]
        if self.employee_ids:
            domain.append(("employee_id", "in", self.employee_ids.ids))
        if self.project_ids:
            domain.append(("project_id", "in", self.project_ids.ids))
        return domain

    def _get_profitability_rows(self):
        """Per project: hours, billable hours, invoiced, cost, margin, margin %."""
        self.ensure_one()
        fields_ = ["hours", "billable_hours", "invoiced_amount", "cost", "margin"]
        rows = []
        for project, *values in self.env["timesheet.billing.analysis"]._read_group(
            self._analysis_domain(),
            ["project_id"],
            [f"{name}:sum" for name in fields_],
        ):
            row = dict(zip(fields_, values, strict=True), project=project)
            row["margin_percent"] = percent_of(row["margin"], row["invoiced_amount"])
            rows.append(row)
        return sorted(rows, key=lambda row: row["project"].display_name)

    def _get_unbilled_rows(self):
        """Per customer and project: unbilled value per age bucket, total, and
        the first expected invoice date. Unbilled work up to the end date."""
        self.ensure_one()
        domain = [
            ("date", "<=", self.date_to),
            ("billing_state", "in", UNBILLED_STATES),
            ("is_billable", "=", True),
        ]
        if self.project_ids:
            domain.append(("project_id", "in", self.project_ids.ids))
        rows = {}
        for partner, project, bucket, amount, expected in self.env[
            "timesheet.billing.analysis"
        ]._read_group(
            domain,
            ["partner_id", "project_id", "age_bucket"],
            ["unbilled_amount:sum", "expected_invoice_date:min"],
        ):
            row = rows.setdefault(
                (partner, project),
                {
                    "partner": partner,
                    "project": project,
                    "buckets": dict.fromkeys(dict(AGE_BUCKETS), 0.0),
                    "expected": expected,
                },
            )
            row["buckets"][bucket] += amount
            if expected and (not row["expected"] or expected < row["expected"]):
                row["expected"] = expected
        for row in rows.values():
            row["total"] = sum(row["buckets"].values())
        return sorted(
            rows.values(),
            key=lambda row: (
                row["partner"].display_name or "",
                row["project"].display_name,
            ),
        )

    # -------------------------------------------------------------- files

    def action_export_xlsx(self):
        self.ensure_one()
        output = io.BytesIO()
        book = xlsxwriter.Workbook(output, {"in_memory": True})
        styles = _Styles(book, self.env.company.currency_id)
        getattr(self, f"_write_{self.report}")(book, styles)
        book.close()
        self.write(
            {
                "file": base64.b64encode(output.getvalue()),
                "file_name": f"{self.report}_{self.date_from}_{self.date_to}.xlsx",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file/{self.file_name}"
            "?download=true",
            "target": "self",
        }

    def action_print_pdf(self):
        self.ensure_one()
        if self.report != "weekly":
            raise UserError(
                self.env._("Only the weekly overview prints as PDF; export the others.")
            )
        return self.env.ref(
            "hr_timesheet_billing.action_report_weekly_overview"
        ).report_action(self)

    def _write_weekly(self, book, styles):
        sheets = self._get_weekly_overview()
        if not sheets:
            book.add_worksheet(self.env._("Weekly Overview")).write(
                0, 0, self.env._("No time logged in the period.")
            )
        used = set()
        for sheet in sheets:
            name = _sheet_name(f"{sheet['employee'].name} {sheet['days'][0]}", used)
            ws = book.add_worksheet(name)
            header = [self.env._("Project")] + sheet["days"] + [self.env._("Total")]
            for column, title in enumerate(header):
                if isinstance(title, str):
                    ws.write(0, column, title, styles.header)
                else:
                    ws.write_datetime(0, column, title, styles.header_date)
            for index, row in enumerate(sheet["rows"], start=1):
                ws.write(index, 0, row["project"].display_name)
                for day, hours in enumerate(row["hours"], start=1):
                    ws.write_number(index, day, hours, styles.hours)
                ws.write_number(index, 8, row["total"], styles.hours_total)
            last = len(sheet["rows"]) + 1
            ws.write(last, 0, self.env._("Total"), styles.total)
            for day, hours in enumerate(sheet["day_totals"], start=1):
                ws.write_number(last, day, hours, styles.hours_total)
            ws.write_number(last, 8, sheet["total"], styles.hours_total)
            ws.write(last + 2, 0, self.env._("Billable"), styles.total)
            ws.write_number(last + 2, 1, sheet["billable"], styles.hours)
            ws.write(last + 3, 0, self.env._("Billable %"), styles.total)
            ws.write_number(
                last + 3, 1, sheet["billable_percent"] / 100, styles.percent
            )
            for offset, (label, hours) in enumerate(sheet["states"], start=4):
                ws.write(last + offset, 0, label)
                ws.write_number(last + offset, 1, hours, styles.hours)
            ws.set_column(0, 0, 30)
            ws.set_column(1, 8, 12)
            ws.freeze_panes(1, 1)

    def _write_profitability(self, book, styles):
        ws = book.add_worksheet(self.env._("Profitability"))
        titles = [
            self.env._("Project"),
            self.env._("Hours Worked"),
            self.env._("Billable Hours"),
            self.env._("Invoiced"),
            self.env._("Cost"),
            self.env._("Margin"),
            self.env._("Margin %"),
        ]
        ws.write_row(0, 0, titles, styles.header)
        rows = self._get_profitability_rows()
        keys = ["hours", "billable_hours", "invoiced_amount", "cost", "margin"]
        formats = [styles.hours] * 2 + [styles.money] * 3
        for index, row in enumerate(rows, start=1):
            ws.write(index, 0, row["project"].display_name)
            for column, (key, style) in enumerate(zip(keys, formats, strict=True), 1):
                ws.write_number(index, column, row[key], style)
            ws.write_number(index, 6, row["margin_percent"] / 100, styles.percent)
        last = len(rows) + 1
        ws.write(last, 0, self.env._("Total"), styles.total)
        totals = {key: sum(row[key] for row in rows) for key in keys}
        for column, (key, style) in enumerate(zip(keys, formats, strict=True), 1):
            total_style = (
                styles.hours_total if style is styles.hours else styles.money_total
            )
            ws.write_number(last, column, totals[key], total_style)
        invoiced = totals["invoiced_amount"]
        ws.write_number(
            last,
            6,
            totals["margin"] / invoiced if invoiced else 0.0,
            styles.percent_total,
        )
        ws.set_column(0, 0, 30)
        ws.set_column(1, 6, 14)
        ws.freeze_panes(1, 1)

    def _write_unbilled(self, book, styles):
        ws = book.add_worksheet(self.env._("Unbilled Work"))
        buckets = dict(AGE_BUCKETS)
        titles = [
            self.env._("Customer"),
            self.env._("Project"),
            *buckets.values(),
            self.env._("Total"),
            self.env._("Expected Invoice Date"),
        ]
        ws.write_row(0, 0, titles, styles.header)
        rows = self._get_unbilled_rows()
        for index, row in enumerate(rows, start=1):
            ws.write(index, 0, row["partner"].display_name or "")
            ws.write(index, 1, row["project"].display_name)
            for column, key in enumerate(buckets, start=2):
                ws.write_number(index, column, row["buckets"][key], styles.money)
            ws.write_number(index, 6, row["total"], styles.money_total)
            if row["expected"]:
                ws.write_datetime(index, 7, row["expected"], styles.date)
        last = len(rows) + 1
        ws.write(last, 0, self.env._("Total"), styles.total)
        for column, key in enumerate(buckets, start=2):
            ws.write_number(
                last,
                column,
                sum(row["buckets"][key] for row in rows),
                styles.money_total,
            )
        ws.write_number(last, 6, sum(row["total"] for row in rows), styles.money_total)
        ws.set_column(0, 1, 28)
        ws.set_column(2, 7, 14)
        ws.freeze_panes(1, 2)


class _Styles:
    """The workbook's formats: bold headers, hours with two decimals, money in
    the company's currency's decimals, percentages, dates."""

    def __init__(self, book, currency):
        money = (
            "#,##0." + "0" * currency.decimal_places
            if currency.decimal_places
            else "#,##0"
        )
        self.header = book.add_format(
            {"bold": True, "bg_color": "#E9ECEF", "border": 1}
        )
        self.header_date = book.add_format(
            {
                "bold": True,
                "bg_color": "#E9ECEF",
                "border": 1,
                "num_format": "ddd yyyy-mm-dd",
            }
        )
        self.total = book.add_format({"bold": True})
        self.hours = book.add_format({"num_format": "0.00"})
        self.hours_total = book.add_format({"num_format": "0.00", "bold": True})
        self.money = book.add_format({"num_format": money})
        self.money_total = book.add_format({"num_format": money, "bold": True})
        self.percent = book.add_format({"num_format": "0.0%"})
        self.percent_total = book.add_format({"num_format": "0.0%", "bold": True})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})


def _sheet_name(name, used):
    """A worksheet name Excel accepts: 31 characters, none of []:*?/\\, unique."""
    clean = "".join("_" if char in "[]:*?/\\" else char for char in name)[:31]
    candidate, counter = clean, 1
    while candidate.lower() in used:
        counter += 1
        suffix = f" ({counter})"
        candidate = clean[: 31 - len(suffix)] + suffix
    used.add(candidate.lower())
    return candidate
