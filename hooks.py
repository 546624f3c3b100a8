from odoo import Command

# hr_timesheet's own rule for approvers: the lines of every project they see.
HR_TIMESHEET_APPROVER_DOMAIN = """[
    ('project_id', '!=', False),
    '|',
        ('project_id.privacy_visibility', '!=', 'followers'),
        ('project_id.message_partner_ids', 'in', [user.partner_id.id])
]"""

# hr_timesheet's own rule of its Timesheets report for approvers.
HR_TIMESHEET_REPORT_APPROVER_DOMAIN = """[
    '|',
        ('project_id.privacy_visibility', '!=', 'followers'),
        ('project_id.message_partner_ids', 'in', [user.partner_id.id])
]"""


def uninstall_hook(env):
    """Give back to hr_timesheet what the addon changed of it."""
    _restore_configuration_menu(env)
    _restore_approver_rule(env)
    # the currency function of the billing analysis (its init())
    env.cr.execute(
        "DROP FUNCTION IF EXISTS timesheet_billing_rate_at(integer, integer, date)"
    )


def _restore_configuration_menu(env):
    """Timesheets › Configuration: a menu for administrators that opens the
    Timesheets settings."""
    menu = env.ref("hr_timesheet.hr_timesheet_menu_configuration", False)
    settings = env.ref("hr_timesheet.hr_timesheet_config_settings_action", False)
    if menu and settings:
        approver = env.ref("hr_timesheet.group_hr_timesheet_approver")
        menu.write(
            {
                "action": f"{settings._name},{settings.id}",
                "groups_id": [Command.unlink(approver.id)],
            }
        )


def _restore_approver_rule(env):
    for xmlid, domain in (
        ("hr_timesheet.timesheet_line_rule_approver", HR_TIMESHEET_APPROVER_DOMAIN),
        (
            "hr_timesheet.timesheet_analysis_report_approver",
            HR_TIMESHEET_REPORT_APPROVER_DOMAIN,
        ),
    ):
        rule = env.ref(xmlid, False)
        if rule:
            rule.domain_force = domain
