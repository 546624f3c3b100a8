{
    "name": "Timesheet Billing",
    "summary": "Approve timesheets weekly and invoice billable hours, "
    "without sales orders",
    "version": "18.0.1.0.0",
    "category": "Services/Timesheets",
    "website": "https://github.com/timesheet-billing/hr_timesheet_billing",
    "author": "Timesheet Billing Team",
    "license": "LGPL-3",
    "depends": ["hr_timesheet", "account"],
    "external_dependencies": {"python": ["xlsxwriter", "num2words"]},
    "data": [
        "security/hr_timesheet_billing_groups.xml",
        "security/ir.model.access.csv",
        "data/product_product_data.xml",
        "views/res_config_settings_views.xml",
        "views/hr_timesheet_billing_menus.xml",
    ],
    "installable": True,
}
