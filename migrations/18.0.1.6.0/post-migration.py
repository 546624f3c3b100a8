"""18.0.1.6.0: the billing ledger. Each timesheet linked to a customer invoice
line gets one entry of its billable hours on that line; what a timesheet has
billed, and what is left to invoice, is then read from the ledger and the
state of the documents. Timesheets credit notes released before are not
linked to any invoice line any more: they stay ready to invoice, as they were.
Credit notes of before have no entries (the lines they credited are not
known): cancelling one of them later bills nothing again.

All in a few statements, whatever the number of timesheets."""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """
            INSERT INTO timesheet_billing_entry
                   (timesheet_id, move_line_id, move_id, company_id, hours, sign,
                    amount, create_uid, create_date, write_uid, write_date)
            SELECT line.id, invoice_line.id, invoice_line.move_id,
                   invoice_line.company_id, line.billable_hours, 1,
                   ROUND((line.billable_hours * invoice_line.price_unit
                          * (1 - COALESCE(invoice_line.discount, 0) / 100))::numeric,
                         2),
                   1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
              FROM account_analytic_line AS line
              JOIN account_move_line AS invoice_line
                ON invoice_line.id = line.invoice_line_id
             WHERE line.billable_hours > 0
               AND NOT EXISTS (
                   SELECT 1 FROM timesheet_billing_entry AS entry
                    WHERE entry.timesheet_id = line.id
               )
            """
        )
    )
    # What each timesheet billed, from the ledger (COUNTED_SQL of the model);
    # the columns of the lines never invoiced stay empty (read as 0).
    cr.execute(
        SQL(
            """
            UPDATE account_analytic_line AS line
               SET invoiced_hours = billed.hours
              FROM (
                   SELECT entry.timesheet_id,
                          sum(CASE WHEN entry.sign > 0 AND move.state != 'cancel'
                                   THEN entry.hours
                                   WHEN entry.sign < 0 AND move.state = 'posted'
                                   THEN -entry.hours
                                   ELSE 0 END) AS hours
                     FROM timesheet_billing_entry AS entry
                     JOIN account_move AS move ON move.id = entry.move_id
                 GROUP BY entry.timesheet_id
              ) AS billed
             WHERE billed.timesheet_id = line.id
            """
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE account_analytic_line
               SET billing_state = CASE
                       WHEN COALESCE(invoiced_hours, 0) > 0
                        AND ROUND(invoiced_hours::numeric, 2)
                            >= ROUND(billable_hours::numeric, 2)
                       THEN 'invoiced' ELSE 'approved' END
             WHERE billing_state IN ('approved', 'invoiced')
               AND billing_state != CASE
                       WHEN COALESCE(invoiced_hours, 0) > 0
                        AND ROUND(invoiced_hours::numeric, 2)
                            >= ROUND(billable_hours::numeric, 2)
                       THEN 'invoiced' ELSE 'approved' END
            """
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE account_analytic_line AS line
               SET to_invoice_hours = hours.value,
                   to_invoice_amount = COALESCE(
                       ROUND((hours.value * COALESCE(line.bill_rate, 0))::numeric
                             / NULLIF(currency.rounding, 0)::numeric)
                       * currency.rounding::numeric,
                       (hours.value * COALESCE(line.bill_rate, 0))::numeric)
              FROM account_analytic_line AS same
              LEFT JOIN res_currency AS currency
                ON currency.id = same.bill_currency_id
             CROSS JOIN LATERAL (
                   SELECT CASE WHEN same.billing_state = 'approved'
                                AND same.is_billable
                                AND same.billable_hours > 0
                               THEN GREATEST(same.billable_hours
                                             - COALESCE(same.invoiced_hours, 0), 0)
                               ELSE 0 END AS value
             ) AS hours
             WHERE same.id = line.id
               AND hours.value > 0
            """
        )
    )
