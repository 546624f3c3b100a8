from . import timesheet_billing_submit_week
from . import timesheet_billing_reject
from . import timesheet_billing_invoice
from . import timesheet_billing_accrual
from . import timesheet_billing_export
