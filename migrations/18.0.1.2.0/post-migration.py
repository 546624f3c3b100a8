"""18.0.1.2.0: an approval log keeps the ids of its lines in one JSON list
(``line_id_list``) instead of a relation table (a row per line and transition);
the rows of the table are moved there and the table dropped."""

from odoo.tools import SQL
from odoo.tools.sql import table_exists

RELATION = "timesheet_billing_approval_log_line_rel"


def migrate(cr, version):
    if not version or not table_exists(cr, RELATION):
        return
    cr.execute(
        SQL(
            """
            UPDATE timesheet_billing_approval_log AS log
               SET line_id_list = moved.ids
              FROM (SELECT log_id, jsonb_agg(line_id ORDER BY line_id) AS ids
                      FROM %s
                  GROUP BY log_id) AS moved
             WHERE log.id = moved.log_id
            """,
            SQL.identifier(RELATION),
        )
    )
    cr.execute(SQL("DROP TABLE %s", SQL.identifier(RELATION)))
