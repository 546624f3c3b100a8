"""18.0.1.5.0: the logging rules the addon ships (hours per line, hours per
day, no future dates) warn instead of refusing: Odoo itself logs what they
flag (a 30-hour line, a negative correction, Time Off's lines ahead of time),
so refusing it broke Odoo's own flows. A shipped rule a firm changed (its
severity, limit, projects or company) is left as the firm set it."""

from odoo.tools import SQL

SHIPPED = ("rule_line_hours", "rule_daily_hours", "rule_future_date")


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """
            UPDATE timesheet_billing_rule AS rule
               SET severity = 'warn'
              FROM ir_model_data AS data
             WHERE data.module = 'hr_timesheet_billing'
               AND data.model = 'timesheet.billing.rule'
               AND data.name IN %s
               AND data.res_id = rule.id
               AND rule.severity = 'block'
               AND rule.company_id IS NULL
               AND (rule.rule_type = 'future_date' OR rule.max_hours = 24.0)
               AND NOT EXISTS (
                   SELECT 1
                     FROM project_project_timesheet_billing_rule_rel AS rel
                    WHERE rel.timesheet_billing_rule_id = rule.id
               )
            """,
            SHIPPED,
        )
    )
