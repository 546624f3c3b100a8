from odoo import Command


def uninstall_hook(env):
    """Give Timesheets › Configuration back to hr_timesheet as it was: a menu
    for administrators that opens the Timesheets settings."""
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
